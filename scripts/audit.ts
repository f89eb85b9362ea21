// Dependency audit step of `.ci/run`: fails on high or critical advisories in production dependencies.
// When the registry's audit endpoint cannot be reached (offline CI, a mirror without the audit API), it says so
// clearly and exits 0: an unreachable endpoint is not evidence of a vulnerability, and the lockfile floor test
// (packages/testkit/test/security-floors.test.ts) still guards the known advisories offline.
//
//   node scripts/audit.ts                         # pnpm audit --prod --audit-level high
//   node scripts/audit.ts --registry <url>        # another registry (or a mirror) with the npm audit API
import { spawnSync } from 'node:child_process'

const LEVELS = ['info', 'low', 'moderate', 'high', 'critical'] as const
type Level = (typeof LEVELS)[number]

interface AuditReport {
  advisories?: Record<string, { module_name?: string; severity?: Level; title?: string; url?: string }>
  metadata?: { vulnerabilities?: Partial<Record<Level, number>> }
}

/** Error text that means "we could not ask", not "we asked and something is vulnerable". */
const UNREACHABLE =
  /ERR_PNPM_AUDIT_BAD_RESPONSE|ERR_PNPM_AUDIT_ENDPOINT|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed|socket hang up|network|responded with (4\d\d|5\d\d)/i

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.replace(/^[\s×│]+/, '').trim())
      .filter(Boolean)
      .slice(0, 3)
      .join(' ') || '(no output)'
  )
}

// `pnpm run x -- --flag` passes the `--` through: drop it. Other arguments go to pnpm audit (e.g. --registry).
const extra = process.argv.slice(2).filter((a) => a !== '--')
const run = spawnSync('pnpm', ['audit', '--prod', '--audit-level', 'high', '--json', ...extra], {
  encoding: 'utf8',
  timeout: 120_000,
})
const stdout = run.stdout ?? ''
const stderr = run.stderr ?? ''

let report: AuditReport | undefined
try {
  report = stdout.trim() ? (JSON.parse(stdout) as AuditReport) : undefined
} catch {
  report = undefined
}

const counts = report?.metadata?.vulnerabilities
if (run.status === 0 && counts) {
  const summary = LEVELS.map((l) => `${counts[l] ?? 0} ${l}`).join(', ')
  process.stdout.write(`audit: no high or critical advisories in production dependencies (${summary})\n`)
  process.exit(0)
}

if (counts && ((counts.high ?? 0) > 0 || (counts.critical ?? 0) > 0)) {
  console.error(
    `audit: FAILED — ${counts.critical ?? 0} critical, ${counts.high ?? 0} high advisories in production dependencies`,
  )
  for (const a of Object.values(report?.advisories ?? {})) {
    if (a.severity === 'high' || a.severity === 'critical')
      console.error(`  ${a.severity.padEnd(8)} ${a.module_name ?? '?'}: ${a.title ?? ''} ${a.url ?? ''}`)
  }
  console.error(
    'audit: update the package (or raise its floor in pnpm-workspace.yaml `overrides`) and re-run',
  )
  process.exit(1)
}

const output = `${stderr}\n${stdout}`
if (run.error || UNREACHABLE.test(output)) {
  const why = run.error ? run.error.message : firstLine(output)
  console.warn(
    `audit: SKIPPED — the registry's audit endpoint is unreachable, no advisories were checked (${why})`,
  )
  console.warn('audit: the lockfile security-floor test still enforces ws, fast-jwt and fastify minimums')
  process.exit(0)
}

if (run.status === 0) {
  process.stdout.write('audit: no high or critical advisories in production dependencies\n')
  process.exit(0)
}

console.error(`audit: FAILED — pnpm audit exited ${run.status}: ${firstLine(output)}`)
process.exit(1)
