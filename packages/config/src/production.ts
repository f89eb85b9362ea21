import { BlockList, isIP } from 'node:net'
import { ConfigError } from './errors.ts'

/**
 * The settings the production check reads: pass an app's parsed config as it is (`loadConfig`'s result).
 * Each check applies only when its variable is there, so the api's config (no `ALLOW_QUERY_TOKEN`) and the
 * realtime config (no `DEMO_USERS`) both fit. The lower-case aliases are derived facts an app may add.
 */
export interface ProductionFacts {
  NODE_ENV?: string | undefined
  ALLOWED_ORIGINS: readonly string[]
  TLS_CERT_FILE?: string | undefined
  TLS_KEY_FILE?: string | undefined
  TLS_TERMINATED_BY_PROXY: boolean
  /** Explicit list of proxy addresses/CIDRs whose `X-Forwarded-For` is believed (default: none). */
  TRUSTED_PROXIES?: readonly string[] | undefined
  /** What the app hands to Fastify's `trustProxy`, when it derives one itself. */
  trustProxy?: unknown
  REDIS_URL?: string | undefined
  /** Seed nodes of a Redis Cluster: when non-empty, checked instead of `REDIS_URL` (which is then unused). */
  REDIS_CLUSTER_NODES?: readonly string[] | undefined
  /** api: seed the demo users. */
  DEMO_USERS?: boolean | undefined
  /** api: the JWK file; unset means keys are generated at start. */
  SIGNING_KEYS_FILE?: string | undefined
  /** api: marks the config as the api's, so a missing `SIGNING_KEYS_FILE` counts. */
  API_PORT?: number | undefined
  /** api: the accounts file (`pnpm users`). */
  USERS_FILE?: string | undefined
  /** api: the OpenID Connect provider whose tokens the exchange accepts. */
  OIDC_ISSUER?: string | undefined
  /** realtime: accept `?access_token=`. */
  ALLOW_QUERY_TOKEN?: boolean | undefined
  /** realtime: where verification keys come from. */
  JWKS_URL?: string | undefined
  /** realtime: the frame size cap, bytes. */
  MAX_MESSAGE_BYTES?: number | undefined
  /** Alias of `DEMO_USERS`. */
  demoUsers?: boolean | undefined
  /** True when the app generated its signing keys instead of loading them. */
  ephemeralKeys?: boolean | undefined
  /** Alias of `ALLOW_QUERY_TOKEN`. */
  allowQueryToken?: boolean | undefined
}

/** `fail` refuses a production start; `warn` is shown by `pnpm doctor` only; `skip` = not this app's setting. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip'

/** One row of the production check (and of the `pnpm doctor` table). */
export interface ProductionCheck {
  /** Stable id, e.g. `tls`, `origins`, `redis-auth`. */
  readonly id: string
  /** The environment variable to change. */
  readonly variable: string
  readonly status: CheckStatus
  /** One line, never containing a secret: why it fails, or what passed. */
  readonly detail: string
}

/** Largest `MAX_MESSAGE_BYTES` accepted in production: 1 MiB. Bigger frames make memory exhaustion cheap. */
export const MAX_MESSAGE_BYTES_CAP = 1_048_576

/** Smallest CIDR prefix accepted in `TRUSTED_PROXIES` (IPv4 / IPv6): anything wider is "trust everyone". */
const MIN_PREFIX = { 4: 8, 6: 32 } as const
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6')

/**
 * True when a URL's `hostname` is this machine: `localhost`, 127.0.0.0/8, `::1` (also IPv4-mapped). Only such a
 * link may carry credentials or keys in plaintext: anything else crosses a network someone else may read.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  if (host === 'localhost') return true
  const family = isIP(host)
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6')
}

type Row = Omit<ProductionCheck, 'id'>
const pass = (variable: string, detail: string): Row => ({ variable, status: 'pass', detail })
const fail = (variable: string, detail: string): Row => ({ variable, status: 'fail', detail })
const warn = (variable: string, detail: string): Row => ({ variable, status: 'warn', detail })
const skip = (variable: string): Row => ({ variable, status: 'skip', detail: 'not a setting of this app' })

function tls(f: ProductionFacts): Row {
  const cert = Boolean(f.TLS_CERT_FILE)
  const key = Boolean(f.TLS_KEY_FILE)
  if (cert !== key)
    return fail(
      cert ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE',
      'TLS_CERT_FILE and TLS_KEY_FILE must be set together',
    )
  if (cert) return pass('TLS_CERT_FILE', 'serves https/wss itself')
  if (f.TLS_TERMINATED_BY_PROXY) return pass('TLS_TERMINATED_BY_PROXY', 'a proxy terminates TLS')
  return fail(
    'TLS_CERT_FILE',
    'plaintext: set TLS_CERT_FILE and TLS_KEY_FILE, or TLS_TERMINATED_BY_PROXY=true behind a TLS proxy',
  )
}

function origins(f: ProductionFacts): Row {
  const list = f.ALLOWED_ORIGINS
  if (list.length === 0)
    return fail(
      'ALLOWED_ORIGINS',
      'ALLOWED_ORIGINS is empty: list the exact https:// origins of your web app',
    )
  const wild = list.filter((o) => o.includes('*'))
  if (wild.length > 0)
    return fail('ALLOWED_ORIGINS', `ALLOWED_ORIGINS must not contain wildcards (got ${wild.join(', ')})`)
  const plain = list.filter((o) => !o.startsWith('https://'))
  if (plain.length > 0)
    return fail('ALLOWED_ORIGINS', `ALLOWED_ORIGINS must be https:// origins (got ${plain.join(', ')})`)
  return pass('ALLOWED_ORIGINS', `${list.length} exact https origin(s)`)
}

function demoUsers(f: ProductionFacts): Row {
  const on = f.DEMO_USERS ?? f.demoUsers
  if (on === undefined) return skip('DEMO_USERS')
  return on
    ? fail('DEMO_USERS', 'demo users with known passwords are enabled: set DEMO_USERS=false')
    : pass('DEMO_USERS', 'off')
}

function signingKeys(f: ProductionFacts): Row {
  const isApi = f.API_PORT !== undefined || 'SIGNING_KEYS_FILE' in f || f.ephemeralKeys !== undefined
  if (!isApi) return skip('SIGNING_KEYS_FILE')
  if (f.ephemeralKeys || !f.SIGNING_KEYS_FILE)
    return fail(
      'SIGNING_KEYS_FILE',
      'signing keys would be generated: set SIGNING_KEYS_FILE to your JWK file',
    )
  // `.dev-keys/` is where development start-up writes generated keys (git-ignored, not a secret store).
  if (/(^|[\\/])\.dev-keys([\\/]|$)/.test(f.SIGNING_KEYS_FILE))
    return fail('SIGNING_KEYS_FILE', 'SIGNING_KEYS_FILE points at generated development keys (.dev-keys/)')
  return pass('SIGNING_KEYS_FILE', 'keys loaded from a file')
}

function queryToken(f: ProductionFacts): Row {
  const on = f.ALLOW_QUERY_TOKEN ?? f.allowQueryToken
  if (on === undefined) return skip('ALLOW_QUERY_TOKEN')
  return on
    ? fail(
        'ALLOW_QUERY_TOKEN',
        '?access_token= leaks tokens into proxy and access logs: set ALLOW_QUERY_TOKEN=false',
      )
    : pass('ALLOW_QUERY_TOKEN', 'off')
}

/** An IPv6 address as a 128-bit number (`address` is a valid IPv6 address, maybe with a dotted IPv4 tail). */
function ipv6Bits(address: string): bigint {
  let text = address.toLowerCase()
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n)
}

/** The IPv4-mapped block `::ffff:0:0/96`: an IPv6 range trusts IPv4 peers through it (proxy-addr maps them). */
const MAPPED_V4 = 0xffffn << 32n

/**
 * For an IPv6 range, the prefix length of the IPv4 addresses it trusts through the mapped block (0 = every IPv4
 * address), or null when it covers none of them. `::/64` or `::ffff:0:0/96` trust every IPv4 client.
 */
function mappedIpv4Prefix(address: string, bits: number): number | null {
  const shift = BigInt(128 - Math.min(bits, 96))
  if (ipv6Bits(address) >> shift !== MAPPED_V4 >> shift) return null
  return Math.max(0, bits - 96)
}

/** Why a `TRUSTED_PROXIES` entry is not an explicit proxy address, or null when it is one. */
function broadProxyEntry(entry: string): string | null {
  if (NAMED_RANGES.has(entry)) return null
  const [address = '', prefix, ...rest] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return `${entry} is not an IP address or CIDR range`
  if (prefix === undefined) return null
  const bits = Number(prefix)
  const max = family === 4 ? 32 : 128
  if (!/^\d{1,3}$/.test(prefix) || bits > max) return `${entry} has an invalid prefix length`
  if (bits < MIN_PREFIX[family === 4 ? 4 : 6]) return `${entry} trusts (almost) every address`
  if (family === 6) {
    const v4 = mappedIpv4Prefix(address, bits)
    if (v4 !== null && v4 < MIN_PREFIX[4]) return `${entry} trusts (almost) every IPv4 address (IPv4-mapped)`
  }
  return null
}

function trustedProxies(f: ProductionFacts): Row {
  const t = f.trustProxy
  if (t === true || typeof t === 'number' || typeof t === 'function')
    return fail('TRUSTED_PROXIES', 'trustProxy must be an explicit address list, not true or a hop count')
  const list = f.TRUSTED_PROXIES ?? []
  const bad = list.map(broadProxyEntry).filter((why): why is string => why !== null)
  if (bad.length > 0)
    return fail('TRUSTED_PROXIES', `TRUSTED_PROXIES must list your proxies exactly: ${bad.join('; ')}`)
  if (list.length === 0 && f.TLS_TERMINATED_BY_PROXY)
    return warn(
      'TRUSTED_PROXIES',
      'behind a proxy but TRUSTED_PROXIES is empty: per-IP limits see the proxy, not clients',
    )
  return pass('TRUSTED_PROXIES', list.length === 0 ? 'trusts no proxy' : `trusts ${list.join(', ')}`)
}

/** The problem with one Redis URL of `variable`, or its summary (`rediss:// with password`) when it is safe. */
function redisUrlProblem(variable: string, raw: string): { problem: string } | { summary: string } {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { problem: `${variable} is not a URL` }
  }
  // The URL is secret (it carries the password): only its scheme, user and host are ever echoed.
  if (!url.password)
    return {
      problem: `${variable} has no credentials: use redis[s]://<user>:<password>@host (requirepass or an ACL user)`,
    }
  const user = url.username ? `ACL user ${decodeURIComponent(url.username)}` : 'password'
  if (url.protocol === 'redis:' && !isLoopbackHost(url.hostname))
    return {
      problem: `${variable} sends the ${user} and every session in plaintext to ${url.hostname}: use rediss:// (TLS) off loopback`,
    }
  return { summary: `${url.protocol}// with ${user}` }
}

function redisAuth(f: ProductionFacts): Row {
  const seeds = f.REDIS_CLUSTER_NODES ?? []
  if (seeds.length > 0) {
    // Every seed: any of them may be the one the client discovers the cluster through.
    const checked = seeds.map((seed) => redisUrlProblem('REDIS_CLUSTER_NODES', seed))
    const bad = checked.find((c) => 'problem' in c)
    if (bad && 'problem' in bad) return fail('REDIS_CLUSTER_NODES', bad.problem)
    if (new Set(seeds.map((seed) => new URL(seed).protocol)).size > 1)
      return fail(
        'REDIS_CLUSTER_NODES',
        'REDIS_CLUSTER_NODES mixes redis:// and rediss:// seeds: use rediss:// for all',
      )
    const first = checked[0] as { summary: string }
    return pass('REDIS_CLUSTER_NODES', `cluster of ${seeds.length} seed(s), ${first.summary}`)
  }
  if (f.REDIS_URL === undefined) return skip('REDIS_URL')
  const checked = redisUrlProblem('REDIS_URL', f.REDIS_URL)
  return 'problem' in checked ? fail('REDIS_URL', checked.problem) : pass('REDIS_URL', checked.summary)
}

function messageCap(f: ProductionFacts): Row {
  const bytes = f.MAX_MESSAGE_BYTES
  if (bytes === undefined) return skip('MAX_MESSAGE_BYTES')
  return bytes > MAX_MESSAGE_BYTES_CAP
    ? fail(
        'MAX_MESSAGE_BYTES',
        `MAX_MESSAGE_BYTES=${bytes} is over the ${MAX_MESSAGE_BYTES_CAP}-byte (1 MiB) cap`,
      )
    : pass('MAX_MESSAGE_BYTES', `${bytes} bytes`)
}

function jwksUrl(f: ProductionFacts): Row {
  if (f.JWKS_URL === undefined) return skip('JWKS_URL')
  let url: URL
  try {
    url = new URL(f.JWKS_URL)
  } catch {
    return fail('JWKS_URL', 'JWKS_URL is not a URL')
  }
  // Whoever can rewrite the JWKS response can mint tokens: plaintext is only acceptable on this machine.
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return fail('JWKS_URL', `JWKS_URL must be an https:// URL (got ${url.protocol})`)
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    return fail(
      'JWKS_URL',
      `JWKS_URL fetches the signing keys over plaintext http from ${url.host}: use https:// off loopback`,
    )
  return pass('JWKS_URL', `${url.protocol}//${url.host}`)
}

function oidcIssuer(f: ProductionFacts): Row {
  if (f.OIDC_ISSUER === undefined) return skip('OIDC_ISSUER')
  const url = URL.parse(f.OIDC_ISSUER)
  if (!url) return fail('OIDC_ISSUER', 'OIDC_ISSUER is not a URL')
  // Whoever can rewrite the discovery document or the provider's JWKS can sign in as anyone.
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    return fail(
      'OIDC_ISSUER',
      `OIDC_ISSUER fetches the provider's keys over plaintext http from ${url.host}: use https:// off loopback`,
    )
  return pass('OIDC_ISSUER', `${url.protocol}//${url.host}`)
}

function accountSource(f: ProductionFacts): Row {
  if (f.API_PORT === undefined) return skip('USERS_FILE')
  const sources = [
    ...(f.USERS_FILE ? [`USERS_FILE ${f.USERS_FILE}`] : []),
    ...(f.OIDC_ISSUER ? [`OIDC_ISSUER ${f.OIDC_ISSUER}`] : []),
    ...((f.DEMO_USERS ?? f.demoUsers) ? ['DEMO_USERS'] : []),
  ]
  if (!f.USERS_FILE && !f.OIDC_ISSUER)
    return fail(
      'USERS_FILE',
      'no account source, nobody could log in: run `pnpm users add <name>` and set USERS_FILE to its file, or set OIDC_ISSUER and OIDC_AUDIENCE (docs/guides/identity-providers.md)',
    )
  return pass(f.USERS_FILE ? 'USERS_FILE' : 'OIDC_ISSUER', `accounts from ${sources.join(' and ')}`)
}

const CHECKS: ReadonlyArray<readonly [string, (f: ProductionFacts) => Row]> = [
  ['tls', tls],
  ['origins', origins],
  ['demo-users', demoUsers],
  ['signing-keys', signingKeys],
  ['query-token', queryToken],
  ['trusted-proxies', trustedProxies],
  ['redis-auth', redisAuth],
  ['message-cap', messageCap],
  ['jwks-url', jwksUrl],
  ['oidc-issuer', oidcIssuer],
  ['account-source', accountSource],
]

/**
 * Every production check as a row, whatever `NODE_ENV` says (`pnpm doctor` shows them all).
 * @example productionChecks(loadRealtimeConfig({ ...process.env, NODE_ENV: 'production' })).filter((c) => c.status === 'fail')
 */
export function productionChecks(facts: ProductionFacts): ProductionCheck[] {
  return CHECKS.map(([id, check]) => ({ id, ...check(facts) }))
}

/** The failing checks when `NODE_ENV=production`; always empty outside production. */
export function productionProblems(facts: ProductionFacts): ProductionCheck[] {
  if (facts.NODE_ENV !== 'production') return []
  return productionChecks(facts).filter((c) => c.status === 'fail')
}

/** A production refusal: `problems` has every failing check; the message is one line per problem. */
export class ProductionConfigError extends ConfigError {
  readonly problems: readonly ProductionCheck[]

  constructor(problems: readonly ProductionCheck[]) {
    super(
      problems[0]?.variable ?? 'NODE_ENV',
      problems.map((p) => `refusing to start in production: ${p.detail}`).join('\n'),
    )
    this.name = 'ProductionConfigError'
    this.problems = problems
  }
}

/**
 * Under `NODE_ENV=production`, throws a `ProductionConfigError` naming EVERY unsafe setting (one line each:
 * plaintext without a TLS proxy, empty/wildcard/http origins, demo users, generated or missing signing keys,
 * query tokens, a trust-everyone proxy list, Redis without credentials, plaintext `redis://` (`REDIS_URL`, or any
 * `REDIS_CLUSTER_NODES` seed when that is set) or an `http://` `JWKS_URL` / `OIDC_ISSUER` to a host other than
 * loopback, `MAX_MESSAGE_BYTES` over 1 MiB, an api with no account source: neither `USERS_FILE` nor `OIDC_ISSUER`).
 * `runMain` prints the message and exits 1. Does nothing outside production.
 * @example
 * export function loadApiConfig(env: Env): ApiConfig {
 *   const config = loadConfig(ApiEnv, env)
 *   assertProductionSafe(config)
 *   return config
 * }
 */
export function assertProductionSafe(facts: ProductionFacts): void {
  const problems = productionProblems(facts)
  if (problems.length > 0) throw new ProductionConfigError(problems)
}
