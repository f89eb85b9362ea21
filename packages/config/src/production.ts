import { ConfigError } from './errors.ts'

/**
 * What the production check needs to know about an app's settings. Fields an app does not have
 * (e.g. `allowQueryToken` in the api) are left out and not checked.
 */
export interface ProductionFacts {
  NODE_ENV: string
  ALLOWED_ORIGINS: readonly string[]
  TLS_CERT_FILE?: string | undefined
  TLS_KEY_FILE?: string | undefined
  TLS_TERMINATED_BY_PROXY: boolean
  /** api: demo users seeded. */
  demoUsers?: boolean
  /** api: signing keys generated at start instead of provided. */
  ephemeralKeys?: boolean
  /** realtime: `?access_token=` accepted. */
  allowQueryToken?: boolean
}

/** Every unsafe setting under `NODE_ENV=production` as `[variable, problem]` (empty outside production). */
export function productionProblems(facts: ProductionFacts): Array<[string, string]> {
  if (facts.NODE_ENV !== 'production') return []
  const problems: Array<[string, string]> = []
  const tls = Boolean(facts.TLS_CERT_FILE && facts.TLS_KEY_FILE)
  if (!tls && !facts.TLS_TERMINATED_BY_PROXY)
    problems.push([
      'TLS_CERT_FILE',
      'TLS_CERT_FILE and TLS_KEY_FILE (or TLS_TERMINATED_BY_PROXY=true) are required',
    ])
  if (facts.ALLOWED_ORIGINS.length === 0)
    problems.push(['ALLOWED_ORIGINS', 'ALLOWED_ORIGINS must list exact origins'])
  if (facts.ALLOWED_ORIGINS.some((o) => o.includes('*')))
    problems.push(['ALLOWED_ORIGINS', 'ALLOWED_ORIGINS must not contain wildcards'])
  if (facts.demoUsers) problems.push(['DEMO_USERS', 'DEMO_USERS must be false'])
  if (facts.ephemeralKeys)
    problems.push(['SIGNING_KEYS_FILE', 'SIGNING_KEYS_FILE is required (no generated keys)'])
  if (facts.allowQueryToken) problems.push(['ALLOW_QUERY_TOKEN', 'ALLOW_QUERY_TOKEN must be false'])
  return problems
}

/**
 * Throws a one-line `ConfigError` for the first unsafe setting under `NODE_ENV=production`
 * (no TLS and no TLS-terminating proxy, empty or wildcard origins, demo users, generated keys, query tokens).
 * @example assertProductionSafe({ ...config, demoUsers: config.DEMO_USERS, ephemeralKeys: !config.SIGNING_KEYS_FILE })
 */
export function assertProductionSafe(facts: ProductionFacts): void {
  const first = productionProblems(facts)[0]
  if (first) throw new ConfigError(first[0], `refusing to start in production: ${first[1]}`)
}
