import type { Outcome } from './http.ts'
import type { OpenOutcome } from './peer.ts'

/** What came back from a request or an upgrade, in a few words (for reasons and evidence). */
export function describeOutcome(outcome: OpenOutcome | Outcome): string {
  if (outcome.kind === 'open' || outcome.kind === 'upgrade') return '101 (upgraded)'
  if (outcome.kind === 'error') return `connection error ${outcome.code}`
  const error = (outcome.json as { error?: unknown } | undefined)?.error
  return `${outcome.status}${typeof error === 'string' ? ` ${error}` : ''}`
}
