import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { ConformanceOptions } from './options.ts'
import { optionProblems } from './options.ts'
import { REPORT_FORMATS, type ReportFormat } from './report/index.ts'
import type { Profile } from './types.ts'

/** A command-line mistake: the CLI prints the message and exits 2. */
export class UsageError extends Error {}

/** Environment variables read when the matching flag is absent (keeps passwords out of `ps` and shell history). */
export const PASSWORD_ENV = 'PORTCULLIS_CONFORMANCE_PASSWORD'
export const ADMIN_PASSWORD_ENV = 'PORTCULLIS_CONFORMANCE_ADMIN_PASSWORD'

export const USAGE = `Usage: portcullis-conformance --api <url> --ws <url> [--ws <url2>] --origin <allowed origin>
         --user <u> --password <p> [--admin-user <u> --admin-password <p>] [options]

Runs the Portcullis conformance and attack suite against a deployment, over the network only.
Exit 0 only when every case held (skips are listed with their reason); 1 when a case failed; 2 on bad usage
or when the target does not answer at all.

  --api <url>              the api (https://api.example.com)
  --ws <url>               the WebSocket endpoint (wss://rt.example.com/v1/ws); twice for two instances
  --origin <origin>        an origin in ALLOWED_ORIGINS (https://app.example.com)
  --user, --password       an ordinary account (password also from $${PASSWORD_ENV})
  --admin-user, --admin-password   an admin account, for admin revocation ($${ADMIN_PASSWORD_ENV})
  --only <ids>             case ids, groups or prefix* patterns, comma-separated (repeatable)
  --report <format>        text (default), json, junit or md
  --out <file>             write the report there (progress still goes to stderr)
  --dry-run                list every case, what it would send and its caps; contact nothing
  --profile <p>            production (default) or development (skips what the contract allows outside production)
  --max-wait-s <s>         longest wait for a token life or idle timeout before a case skips (default 60)
  --source <auto|os|ips>   client addresses: auto (one loopback address per case on a loopback target), os, or a list
  --ca <file>              extra CA certificate (PEM) to trust, e.g. a development CA
  --connect-rate-per-min, --auth-failures-per-min, --login-rate-per-min <n>
                           the deployment's per-IP limits if below the documented defaults (60, 20, 30): the suite paces itself
  --help, --version`

/** A parsed command line. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'run'
      readonly options: ConformanceOptions
      readonly format: ReportFormat
      readonly out: string | undefined
      readonly dryRun: boolean
    }

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`${flag} must be a positive integer (got ${value})`)
  return n
}

/**
 * Parses the command line (and the password variables of `env`). Throws `UsageError` with one line naming the
 * problem. With `--dry-run` only what is given is checked: nothing is contacted, so nothing else is needed.
 * @example parseCommand(['--api', 'http://localhost:3001', '--ws', 'ws://localhost:3002', …], process.env)
 */
export function parseCommand(argv: readonly string[], env: Record<string, string | undefined>): Command {
  let parsed
  try {
    parsed = parseArgs({
      // `pnpm conformance -- --only x` passes the `--` through.
      args: argv.filter((a) => a !== '--'),
      strict: true,
      options: {
        api: { type: 'string' },
        ws: { type: 'string', multiple: true },
        origin: { type: 'string' },
        user: { type: 'string' },
        password: { type: 'string' },
        'admin-user': { type: 'string' },
        'admin-password': { type: 'string' },
        only: { type: 'string', multiple: true },
        report: { type: 'string', default: 'text' },
        out: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        profile: { type: 'string', default: 'production' },
        'max-wait-s': { type: 'string' },
        source: { type: 'string', default: 'auto' },
        ca: { type: 'string' },
        'connect-rate-per-min': { type: 'string' },
        'auth-failures-per-min': { type: 'string' },
        'login-rate-per-min': { type: 'string' },
        help: { type: 'boolean', default: false },
        version: { type: 'boolean', default: false },
      },
    }).values
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const v = parsed
  if (v.help) return { kind: 'help' }
  if (v.version) return { kind: 'version' }
  const format = v.report as ReportFormat
  if (!REPORT_FORMATS.includes(format))
    throw new UsageError(`--report must be one of ${REPORT_FORMATS.join(', ')}`)
  if (v.profile !== 'production' && v.profile !== 'development')
    throw new UsageError('--profile must be production or development')
  const dryRun = v['dry-run']
  const password = v.password ?? env[PASSWORD_ENV]
  const adminPassword = v['admin-password'] ?? env[ADMIN_PASSWORD_ENV]
  const missing = [
    ['--api', v.api],
    ['--ws', v.ws?.[0]],
    ['--origin', v.origin],
    ['--user', v.user],
    [`--password (or $${PASSWORD_ENV})`, password],
  ].filter(([, value]) => !value)
  if (!dryRun && missing.length > 0)
    throw new UsageError(`missing ${missing.map(([flag]) => flag).join(', ')}`)
  // The variable alone (set for another run, say) is no mistake; a flag without its partner is.
  if (v['admin-user'] ? !adminPassword : v['admin-password'] !== undefined)
    throw new UsageError(`--admin-user and --admin-password (or $${ADMIN_PASSWORD_ENV}) go together`)
  // A dry run may leave URLs out: check what is given (a valid stand-in fills the gaps), keep '' for the rest.
  const stand = { api: 'http://a.invalid', ws: ['ws://a.invalid'], origin: 'http://a.invalid' }
  const problems = optionProblems({
    api: v.api ?? stand.api,
    ws: v.ws ?? stand.ws,
    origin: v.origin ?? stand.origin,
  })
  const urls = { api: v.api ?? '', ws: v.ws ?? [], origin: v.origin ?? '' }
  if (problems.length > 0) throw new UsageError(problems[0]!)
  const source =
    v.source === 'auto' || v.source === 'os'
      ? v.source
      : v.source
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
  let ca: string | undefined
  if (v.ca) {
    try {
      ca = readFileSync(v.ca, 'utf8')
    } catch (err) {
      throw new UsageError(`--ca ${v.ca}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  const limits = {
    connectPerMin: positiveInt('--connect-rate-per-min', v['connect-rate-per-min']),
    authFailuresPerMin: positiveInt('--auth-failures-per-min', v['auth-failures-per-min']),
    loginPerMin: positiveInt('--login-rate-per-min', v['login-rate-per-min']),
  }
  const options: ConformanceOptions = {
    ...urls,
    user: { username: v.user ?? '', password: password ?? '' },
    ...(v['admin-user'] && adminPassword
      ? { admin: { username: v['admin-user'], password: adminPassword } }
      : {}),
    ...(v.only
      ? {
          only: v.only
            .flatMap((o) => o.split(','))
            .map((o) => o.trim())
            .filter(Boolean),
        }
      : {}),
    profile: v.profile as Profile,
    ...(v['max-wait-s'] !== undefined ? { maxWaitS: positiveInt('--max-wait-s', v['max-wait-s'])! } : {}),
    source,
    ...(ca ? { ca } : {}),
    assumedLimits: Object.fromEntries(Object.entries(limits).filter(([, n]) => n !== undefined)),
  }
  return { kind: 'run', options, format, out: v.out, dryRun }
}
