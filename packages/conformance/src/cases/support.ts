import type { IncomingHttpHeaders } from 'node:http'
import type { CaseContext, Session } from '../context.ts'
import type { Outcome } from '../net/http.ts'
import type { OpenOutcome } from '../net/peer.ts'
import { describeOutcome } from '../net/describe.ts'
import type { ConformanceCase } from '../types.ts'

export { describeOutcome }

/** Identity, for typing a case literal. */
export const defineCase = (c: ConformanceCase): ConformanceCase => c

/** Status, headers and body of an answer that was not a 101; null for a 101 or a connection error. */
export function answerOf(
  outcome: OpenOutcome | Outcome,
): { status: number; headers: IncomingHttpHeaders; body: string; json: unknown } | null {
  if (outcome.kind === 'refused' || outcome.kind === 'response') return outcome
  return null
}

/**
 * The refusal the contract prescribes: exactly `status` before 101, a JSON body `{error: "<code>"}`, `Retry-After` on 429
 * and 503, and none of the credential that was sent echoed back. Records the attempt as evidence. A 400 for a
 * malformed request may come from any HTTP layer in front of the app (proxy, CDN) that parses it first, so for a
 * 400 only the status is required (decision 0861).
 */
export function expectRefused(
  ctx: CaseContext,
  outcome: OpenOutcome | Outcome,
  status: number,
  step: string,
  credential?: string,
): void {
  const answer = answerOf(outcome)
  const json = answer?.json as { error?: unknown } | undefined
  const isJson = typeof json === 'object' && json !== null && typeof json.error === 'string'
  ctx.evidence({
    step,
    ...(answer ? { status: answer.status } : { detail: describeOutcome(outcome) }),
    ...(answer && !isJson ? { detail: 'body not JSON {error}' } : {}),
    latencyMs: outcome.latencyMs,
  })
  ctx.check(answer, `${step}: expected ${status} before the upgrade, got ${describeOutcome(outcome)}`)
  ctx.check(answer.status === status, `${step}: expected ${status}, got ${describeOutcome(outcome)}`)
  ctx.check(isJson || status === 400, `${step}: the ${status} body is not JSON {error: "<code>"}`)
  if (status === 429 || status === 503) {
    const retry = Number(answer.headers['retry-after'])
    ctx.check(Number.isFinite(retry) && retry > 0, `${step}: ${status} without a positive Retry-After`)
  }
  if (credential)
    ctx.check(!answer.body.includes(credential), `${step}: the refusal body echoes the credential`)
}

/** Upgrades with `bearer` (Authorization) and expects a 401 refusal. */
export async function expect401(ctx: CaseContext, step: string, bearer: string): Promise<void> {
  const outcome = await ctx.upgrade({ bearer })
  expectRefused(ctx, outcome, 401, step, bearer)
}

/** The positive control after a series of refusals: the genuine token still opens a socket. */
export async function expectGenuineAccepted(ctx: CaseContext, session: Session): Promise<void> {
  const outcome = await ctx.upgrade({ bearer: session.accessToken, step: 'the genuine token (control)' })
  const peer = ctx.expectOpen(outcome, 'the genuine token (control)')
  await peer.close()
}

/** A random value shaped like a ticket (256 bits, base64url) that no server issued. */
export function fakeTicket(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
}

/** The `limits` a `welcome` carries (contract: maxMessageBytes, msgRatePerS, msgBurst, idleTimeoutMs). */
export interface WelcomeLimits {
  readonly maxMessageBytes: number
  readonly msgRatePerS: number
  readonly msgBurst: number
  readonly idleTimeoutMs: number
}

const isCount = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n >= 0

/** `welcome.limits`, or the case fails when they are missing. */
export function limitsOf(ctx: CaseContext, welcome: Record<string, unknown>): WelcomeLimits {
  const l = welcome.limits as Partial<WelcomeLimits> | undefined
  const ok = isCount
  ctx.check(
    l && ok(l.maxMessageBytes) && ok(l.msgRatePerS) && ok(l.msgBurst) && ok(l.idleTimeoutMs),
    'welcome carries no limits {maxMessageBytes, msgRatePerS, msgBurst, idleTimeoutMs}',
  )
  return l as WelcomeLimits
}

/** A `--ws` URL by index, reusing the first when only one was given. */
export function wsUrl(ctx: CaseContext, index: number): string {
  return ctx.target.ws[index % ctx.target.ws.length]!
}
