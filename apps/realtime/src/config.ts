import { Type, type Static } from 'typebox'
import {
  assertProductionSafe,
  ConfigError,
  loadConfig,
  originPolicy,
  sharedEnv,
  type Env,
} from '@portcullis/config'

const port = (fallback: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: fallback, description })
const positive = (fallback: number, description: string, extra: Record<string, unknown> = {}) =>
  Type.Integer({ minimum: 1, default: fallback, description, ...extra })

// Upper bounds keep every duration within what Node timers accept (about 24.8 days) and every limit sane.

/**
 * The realtime server's environment (docs/reference/configuration.md is generated from it). Every variable has a safe development default;
 * `loadRealtimeConfig` fails with one line naming the bad variable.
 */
export const RealtimeEnvSchema = Type.Object({
  ...sharedEnv,
  // Same values as sharedEnv's, spelled out so the static type is the literal union (not lost through `.map`).
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info', description: 'Least severe level written; logs are JSON lines on stdout.' },
  ),
  REALTIME_HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    expected: 'a host name or IP address',
    description: 'Listen address.',
  }),
  REALTIME_PORT: port(3002, 'Listen port (0: any free port).'),
  JWKS_URL: Type.String({
    pattern: '^https?://',
    default: 'http://127.0.0.1:3001/.well-known/jwks.json',
    expected: 'an http:// or https:// URL',
    description:
      "The api's public signing keys (JWKS): fetched at start (retried with backoff until it answers), refreshed every `JWKS_REFRESH_S` and on an unknown `kid`.",
  }),
  JWKS_REFRESH_S: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 60,
    description:
      'Refetch the JWKS this often, seconds (sooner when its `Cache-Control: max-age` says so): a key the api stops publishing is refused, and its sockets closed 4401 `token_invalid`, within this time.',
  }),
  JWKS_MAX_STALE_S: Type.Integer({
    minimum: 1,
    maximum: 604_800,
    default: 3600,
    description:
      'Without a successful JWKS fetch for this long, seconds, upgrades and `auth.refresh` that need the keys get 503 and `/readyz` says 503 (live sockets stay open). At least `JWKS_REFRESH_S`.',
  }),
  JWT_ISSUER: Type.String({
    minLength: 1,
    default: 'portcullis-api',
    description: "Expected `iss` claim (the api's `JWT_ISSUER`).",
  }),
  JWT_AUDIENCE: Type.String({
    minLength: 1,
    default: 'portcullis',
    description: "Expected `aud` claim (the api's `JWT_AUDIENCE`).",
  }),
  MAX_MESSAGE_BYTES: Type.Integer({
    minimum: 256,
    maximum: 1_048_576,
    default: 16_384,
    description: 'Largest client frame, bytes; a larger one closes the socket with 1009.',
  }),
  MSG_RATE_PER_S: Type.Number({
    exclusiveMinimum: 0,
    maximum: 100_000,
    default: 20,
    expected: 'a number > 0',
    description: 'Sustained client messages per second, per socket and per user across all instances.',
  }),
  MSG_BURST: positive(
    40,
    'Message token-bucket burst; more than this many frames dropped for rate within 10 s close 4429.',
    {
      maximum: 100_000,
    },
  ),
  MAX_CONNECTIONS_PER_USER: positive(5, 'Live sockets per user across all instances (429 beyond).', {
    maximum: 10_000,
  }),
  MAX_CONNECTIONS: positive(
    10_000,
    'Sockets this instance holds, upgrades in flight included (503 + `Retry-After` beyond).',
    { maximum: 1_000_000 },
  ),
  CONNECT_RATE_PER_MIN: positive(
    60,
    'Upgrade attempts per client IP per minute, all instances (429 beyond).',
    {
      maximum: 1_000_000,
    },
  ),
  AUTH_FAILURES_PER_MIN: positive(
    20,
    'Failed authentications (401s) per client IP per minute before the IP is blocked for `AUTH_BLOCK_S`.',
    { maximum: 1_000_000 },
  ),
  AUTH_BLOCK_S: positive(300, 'How long a blocked IP gets 429, seconds.', { maximum: 604_800 }),
  IDLE_TIMEOUT_MS: positive(
    300_000,
    'Close 4408 after this long without a client data frame (pongs do not count), ms.',
    {
      maximum: 86_400_000,
    },
  ),
  HEARTBEAT_INTERVAL_MS: positive(
    30_000,
    'Ping interval, ms; a peer without a pong for two intervals is terminated.',
    {
      maximum: 3_600_000,
    },
  ),
  EXPIRY_WARNING_S: Type.Integer({
    minimum: 0,
    maximum: 3600,
    default: 30,
    description: "`auth.expiring` is pushed this long before the token's `exp`, seconds.",
  }),
  STORE_GRACE_MS: positive(
    3000,
    'Live sockets close 1013 once the session store has been unreachable this long, ms.',
    {
      maximum: 600_000,
    },
  ),
  ALLOW_QUERY_TOKEN: Type.Boolean({
    default: false,
    devDefault: true,
    description:
      'Accept `?access_token=<jwt>` on the upgrade (tokens in URLs leak into logs: development only).',
  }),
  SEND_BUFFER_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 1_073_741_824,
    default: 1_048_576,
    description: 'A socket whose unsent data passes this many bytes is closed 1013 (slow consumer).',
  }),
  MAX_SUBSCRIPTIONS: positive(100, 'Channels one socket may hold (`error too_many_subscriptions` beyond).', {
    maximum: 10_000,
  }),
})

/** The validated realtime configuration, passed to `buildApp`. */
export type RealtimeConfig = Static<typeof RealtimeEnvSchema>

/**
 * Reads and validates the environment; under `NODE_ENV=production` also refuses unsafe settings
 * (no TLS, empty/wildcard origins, query-string tokens). Throws a one-line `ConfigError` (`*` in ALLOWED_ORIGINS
 * outside development, a `JWKS_MAX_STALE_S` shorter than `JWKS_REFRESH_S` included).
 * @example const config = loadRealtimeConfig(process.env)
 */
export function loadRealtimeConfig(env: Env): RealtimeConfig {
  const config = loadConfig(RealtimeEnvSchema, env)
  assertProductionSafe({ ...config, allowQueryToken: config.ALLOW_QUERY_TOKEN })
  originPolicy(config)
  // Keys would go stale between two refreshes: every upgrade would get 503 until the next fetch.
  if (config.JWKS_MAX_STALE_S < config.JWKS_REFRESH_S)
    throw new ConfigError(
      'JWKS_MAX_STALE_S',
      `invalid environment: JWKS_MAX_STALE_S must be at least JWKS_REFRESH_S (${config.JWKS_REFRESH_S})`,
    )
  return config
}

/** The defaults (development), with overrides: what tests start from. */
export function testConfig(overrides: Partial<RealtimeConfig> = {}): RealtimeConfig {
  return { ...loadRealtimeConfig({ NODE_ENV: 'test' }), ...overrides }
}
