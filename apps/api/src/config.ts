import { assertProductionSafe, loadConfig, originPolicy, sharedEnv, type Env } from '@portcullis/config'
import { Type, type Static } from 'typebox'

/**
 * The api's environment (SPEC "Configuration"). Times are seconds unless the name says otherwise.
 * `devDefault` applies outside `NODE_ENV=production`.
 */
export const ApiEnvSchema = Type.Object({
  ...sharedEnv,
  API_HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'a host name or IP address' }),
  API_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  JWT_ISSUER: Type.String({ minLength: 1, default: 'portcullis-api', description: 'a non-empty string' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'portcullis', description: 'a non-empty string' }),
  ACCESS_TOKEN_TTL_S: Type.Integer({ minimum: 10, maximum: 86_400, default: 300 }),
  REFRESH_TOKEN_TTL_S: Type.Integer({ minimum: 60, maximum: 31_536_000, default: 86_400 }),
  TICKET_TTL_S: Type.Integer({ minimum: 1, maximum: 300, default: 30 }),
  /** Absolute session lifetime: no refresh extends a session past `createdAt` + this. */
  SESSION_MAX_AGE_S: Type.Integer({ minimum: 1, maximum: 31_536_000, default: 604_800 }),
  LOGIN_RATE_PER_MIN: Type.Integer({ minimum: 1, default: 30 }),
  /** Failed logins per (username, client IP; IPv6 by /64) per 15 minutes before that pair gets 429. */
  LOGIN_FAILURES_PER_USERNAME: Type.Integer({ minimum: 1, default: 10 }),
  /** Failed logins per username from all IPs per 15 minutes; past it only known client IPs may log in. */
  LOGIN_FAILURES_PER_USERNAME_GLOBAL: Type.Integer({ minimum: 1, default: 100 }),
  /** ws-ticket mints per session per minute, and refreshes per session per minute (each), before 429. */
  TICKET_RATE_PER_MIN: Type.Integer({ minimum: 1, default: 30 }),
  SIGNING_KEYS_FILE: Type.Optional(Type.String({ minLength: 1, description: 'a file path' })),
  /** Where development keys are generated when SIGNING_KEYS_FILE is unset (default `<repo>/.dev-keys`). */
  DEV_KEYS_DIR: Type.Optional(Type.String({ minLength: 1, description: 'a directory path' })),
  DEMO_USERS: Type.Boolean({ default: false, devDefault: true }),
  /** Serve the OpenAPI document at /docs/json (default: outside production only). */
  OPENAPI_DOCS: Type.Boolean({ default: false, devDefault: true }),
})

/** The validated api configuration. */
export type ApiConfig = Static<typeof ApiEnvSchema>

/**
 * Reads and validates the api's environment once; throws a one-line `ConfigError` naming the bad variable (`*`
 * in ALLOWED_ORIGINS outside development included), or a production refusal (demo users, generated keys, no TLS,
 * bad origins, ...).
 */
export function loadApiConfig(env: Env): ApiConfig {
  const config = loadConfig(ApiEnvSchema, env)
  assertProductionSafe(config)
  originPolicy(config)
  return config
}
