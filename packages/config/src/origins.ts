import { ConfigError } from './errors.ts'

/** Which browser origins may use a service: the one policy behind CORS, ticket minting and the upgrade guard. */
export interface OriginPolicy {
  /**
   * Whether a present `Origin` header may proceed: one of the configured origins, compared lower-cased, or any
   * origin when `*` is configured (development only). What an absent `Origin` means is the caller's to decide
   * (a non-browser client).
   */
  allows(origin: string): boolean
  /** `*` is configured: every origin is allowed (NODE_ENV=development only). */
  readonly any: boolean
}

/**
 * An origin as the policy compares it: lower-cased (scheme and host are case-insensitive, RFC 6454 §6.2, and
 * browsers send them lower-case). Use it wherever two origins must be equal, e.g. a ticket's Origin binding.
 * @example normalizeOrigin('HTTPS://App.Example') // 'https://app.example'
 */
export function normalizeOrigin(origin: string): string {
  return origin.toLowerCase()
}

/**
 * The Origin policy of `ALLOWED_ORIGINS` (a comma list of exact origins, no wildcards in production): exact
 * `scheme://host[:port]` entries compared lower-cased; `*` allows any origin and is refused (a `ConfigError`
 * naming `ALLOWED_ORIGINS`) unless `NODE_ENV` is `development`, so no test, staging or production deployment
 * runs with it by accident. An empty list allows no browser at all.
 * @throws ConfigError when `*` is configured outside development
 * @example
 * const origins = originPolicy(config) // { ALLOWED_ORIGINS, NODE_ENV }
 * if (req.headers.origin !== undefined && !origins.allows(req.headers.origin)) refuse(403)
 */
export function originPolicy(config: {
  readonly ALLOWED_ORIGINS: readonly string[]
  readonly NODE_ENV?: string | undefined
}): OriginPolicy {
  const any = config.ALLOWED_ORIGINS.includes('*')
  const env = config.NODE_ENV ?? 'development'
  if (any && env !== 'development')
    throw new ConfigError(
      'ALLOWED_ORIGINS',
      `invalid environment: ALLOWED_ORIGINS may contain * only when NODE_ENV=development (NODE_ENV is ${env}); list the exact origins`,
    )
  const allowed = new Set(config.ALLOWED_ORIGINS.filter((o) => o !== '*').map(normalizeOrigin))
  return {
    any,
    allows: (origin) => any || allowed.has(normalizeOrigin(origin)),
  }
}
