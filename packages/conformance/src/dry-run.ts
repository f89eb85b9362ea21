import type { ConformanceCase } from './types.ts'
import { duration } from './report/evidence.ts'

/** What `--dry-run` knows about the target: the URLs, when given (nothing is contacted). */
export interface PlanTarget {
  readonly api?: string | undefined
  readonly ws?: readonly string[] | undefined
  readonly origin?: string | undefined
}

const PHASE = {
  main: 'runs in turn',
  waiting: 'waits out a token life or idle timeout, beside the other waiting cases',
  blocking: 'gets its client address rate-limited or blocked: runs last',
} as const

/**
 * The plan of a run, without sending anything: which hosts would be contacted, and per case what it sends, the
 * contract clause and references it checks, and its hard caps. Credentials appear as placeholders only.
 * @example process.stdout.write(renderPlan(selectCases(CASES, ['origin']), { api, ws: [wsUrl] }))
 */
export function renderPlan(cases: readonly ConformanceCase[], target: PlanTarget): string {
  const hosts = [target.api, ...(target.ws ?? [])].filter((u): u is string => !!u).map((u) => new URL(u).host)
  const out = [
    `dry run: ${cases.length} cases; nothing is sent.`,
    `would contact only: ${hosts.length > 0 ? [...new Set(hosts)].join(', ') : '(the --api and --ws hosts)'}` +
      ' — and, for https/wss, the same host:port in plaintext and with TLS 1.0/1.1 ClientHellos',
    `origin: ${target.origin || '(--origin)'}`,
    '',
  ]
  for (const c of cases) {
    out.push(
      `${c.id}  [${c.phase}: ${PHASE[c.phase]}]`,
      `  ${c.name}`,
      `  contract: ${c.spec}`,
      `  refs: ${c.refs.join('; ')}`,
    )
    for (const line of c.sends) out.push(`  sends: ${line}`)
    out.push(
      `  caps: ${c.budget.requests} requests, ${c.budget.frames} frames, ${duration(c.budget.timeoutMs)}`,
      '',
    )
  }
  return `${out.join('\n')}`
}
