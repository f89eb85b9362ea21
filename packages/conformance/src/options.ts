import type { SecretRegistry } from './secrets.ts'
import type { CaseResult, Profile } from './types.ts'

/** A username and password (the password is a secret: never printed). */
export interface Account {
  readonly username: string
  readonly password: string
}

/**
 * The deployment's per-IP limits as the suite should assume them, so that it paces itself below them when it
 * cannot send from one address per case. Defaults: the documented defaults.
 */
export interface AssumedLimits {
  /** `CONNECT_RATE_PER_MIN` (default 60). */
  readonly connectPerMin: number
  /** `AUTH_FAILURES_PER_MIN` (default 20). */
  readonly authFailuresPerMin: number
  /** `LOGIN_RATE_PER_MIN` (default 30). */
  readonly loginPerMin: number
}

/**
 * Where requests come from. `auto` (default): one loopback address per case (127.x.y.n) when every target is
 * on this host and the OS allows binding them (Linux), else the OS's choice. `os`: always the OS's choice.
 * A list: one address per case, in turn.
 */
export type SourceOption = 'auto' | 'os' | readonly string[]

/** Everything a run needs. `runConformance` fills the defaults (see `DEFAULTS`). */
export interface ConformanceOptions {
  /** Base URL of the api, e.g. `https://api.example.com`. */
  readonly api: string
  /** One or two WebSocket endpoint URLs (`wss://rt.example.com/v1/ws`); a URL without a path gets `/v1/ws`. */
  readonly ws: readonly string[]
  /** An origin the deployment allows (`ALLOWED_ORIGINS`), e.g. `https://app.example.com`. */
  readonly origin: string
  /** An ordinary user (role `user`). */
  readonly user: Account
  /** An admin, for the admin revocation case (skipped without it). */
  readonly admin?: Account
  /** Case ids, groups or `prefix*` patterns; default every case. */
  readonly only?: readonly string[]
  /** Default `production`. */
  readonly profile?: Profile
  /** Longest a case may wait out a token life or idle timeout before it skips instead, seconds (default 60). */
  readonly maxWaitS?: number
  readonly source?: SourceOption
  readonly assumedLimits?: Partial<AssumedLimits>
  /** Extra CA certificate(s), PEM, trusted on top of the system store (e.g. a development CA). */
  readonly ca?: string
  /** Receives every credential the run handles (default a private one); the report is scrubbed of them. */
  readonly secrets?: SecretRegistry
  /** Called as each case finishes (already scrubbed). */
  readonly onResult?: (result: CaseResult) => void
}

export const DEFAULTS = {
  profile: 'production' as Profile,
  maxWaitS: 60,
  assumedLimits: { connectPerMin: 60, authFailuresPerMin: 20, loginPerMin: 30 } satisfies AssumedLimits,
  /** contract: revocation closes sockets "never over 1 s". */
  revocationBoundMs: 1000,
  /** Most sockets the per-user cap case opens looking for the cap. */
  maxSockets: 50,
}

/** The WebSocket endpoint URL of `--ws`: `/v1/ws` when the URL has no path. */
export function endpointUrl(raw: string): string {
  const url = new URL(raw)
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1/ws'
  return url.toString()
}

/** Checks the URLs and origin; returns one line per problem (empty when fine). */
export function optionProblems(o: Pick<ConformanceOptions, 'api' | 'ws' | 'origin'>): string[] {
  const problems: string[] = []
  const check = (label: string, value: string, schemes: string[]) => {
    try {
      const url = new URL(value)
      if (!schemes.includes(url.protocol))
        problems.push(`${label} must be ${schemes.join(' or ')} (got ${url.protocol})`)
      if (url.username || url.password) problems.push(`${label} must not carry credentials`)
    } catch {
      problems.push(`${label} is not a URL`)
    }
  }
  check('--api', o.api, ['http:', 'https:'])
  if (o.ws.length === 0 || o.ws.length > 2) problems.push('--ws must be given once or twice')
  for (const ws of o.ws) check('--ws', ws, ['ws:', 'wss:'])
  check('--origin', o.origin, ['http:', 'https:'])
  if (problems.length === 0 && new URL(o.origin).origin !== o.origin.replace(/\/$/, ''))
    problems.push('--origin must be an origin: scheme://host[:port], no path')
  return problems
}
