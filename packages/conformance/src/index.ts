/**
 * @portcullis/conformance — the black-box conformance and attack suite for Portcullis (or any Portcullis-compatible)
 * deployments: a library (`runConformance`) and the `portcullis-conformance` CLI. Network only: it contacts the
 * URLs it is given and nothing else, never imports the apps, never touches Redis.
 */
export { runConformance, type RunHooks } from './runner.ts'
export { main, type CliIo } from './cli.ts'
export { parseCommand, UsageError, USAGE, PASSWORD_ENV, ADMIN_PASSWORD_ENV, type Command } from './args.ts'
export { CASES, selectCases, registryProblems } from './registry.ts'
export { renderPlan } from './dry-run.ts'
export { renderCatalog, PRACTICES } from './catalog.ts'
export { renderReport, REPORT_FORMATS, type ReportFormat } from './report/index.ts'
export { SecretRegistry, REDACTED } from './secrets.ts'
export { CaseContext, CaseFailure, CaseSkip, type Session, type Target } from './context.ts'
export {
  DEFAULTS,
  type Account,
  type AssumedLimits,
  type ConformanceOptions,
  type SourceOption,
} from './options.ts'
export { planSources, type SourcePlan } from './net/sources.ts'
export {
  GROUPS,
  type BlockNote,
  type CaseBudget,
  type CaseResult,
  type ConformanceCase,
  type Evidence,
  type Group,
  type Phase,
  type Profile,
  type Report,
  type Verdict,
} from './types.ts'
export { VERSION } from './version.ts'
