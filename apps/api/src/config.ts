import {
  assertProductionSafe,
  ConfigError,
  loadConfig,
  originPolicy,
  sharedEnv,
  type Env,
} from '@portcullis/config'
import { Type, type Static } from 'typebox'

/**
 * The api's environment (docs/reference/configuration.md is generated from it). Times are seconds unless the name says otherwise.
 * `devDefault` applies outside `NODE_ENV=production`.
 */
export const ApiEnvSchema = Type.Object({
  ...sharedEnv,
  API_HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    expected: 'a host name or IP address',
    description: 'Listen address.',
  }),
  API_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 3001,
    description: 'Listen port (0: any free port).',
  }),
  JWT_ISSUER: Type.String({
    minLength: 1,
    default: 'portcullis-api',
    description: 'The `iss` claim of access tokens; realtime must expect the same.',
  }),
  JWT_AUDIENCE: Type.String({
    minLength: 1,
    default: 'portcullis',
    description: 'The `aud` claim of access tokens; realtime must expect the same.',
  }),
  ACCESS_TOKEN_TTL_S: Type.Integer({
    minimum: 10,
    maximum: 86_400,
    default: 300,
    description: 'Access-token lifetime, seconds; also the longest a socket lives without `auth.refresh`.',
  }),
  REFRESH_TOKEN_TTL_S: Type.Integer({
    minimum: 60,
    maximum: 31_536_000,
    default: 86_400,
    description: 'Refresh-token lifetime, seconds; restarts on every refresh.',
  }),
  TICKET_TTL_S: Type.Integer({
    minimum: 1,
    maximum: 300,
    default: 30,
    description: "WebSocket ticket lifetime, seconds (never beyond the access token's `exp`).",
  }),
  SESSION_MAX_AGE_S: Type.Integer({
    minimum: 1,
    maximum: 31_536_000,
    default: 604_800,
    description:
      'Absolute session lifetime, seconds: no refresh extends a session past login + this; refresh then answers 401 `session_expired` and its sockets close 4401 `session_expired`.',
  }),
  LOGIN_RATE_PER_MIN: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'Login requests per client IP per minute (429 beyond).',
  }),
  LOGIN_FAILURES_PER_USERNAME: Type.Integer({
    minimum: 1,
    default: 10,
    description:
      'Failed logins per (username, client IP; IPv6 by /64) per 15 minutes before that client gets 429 for the username, even with the right password.',
  }),
  LOGIN_FAILURES_PER_USERNAME_GLOBAL: Type.Integer({
    minimum: 1,
    default: 100,
    description:
      'Failed logins per username from all IPs per 15 minutes; past it only a client IP (/64) that logged in as that user within 30 days may log in.',
  }),
  TICKET_RATE_PER_MIN: Type.Integer({
    minimum: 1,
    default: 30,
    description:
      'ws-ticket mints per session per minute, and refreshes per session per minute (each), before 429.',
  }),
  SIGNING_KEYS_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a file path',
      description:
        'JSON array of private JWKs (ES256 P-256 or EdDSA Ed25519), each with a `kid`: the first signs, the others still verify. Required in production; unset elsewhere = keys generated once into `DEV_KEYS_DIR`.',
    }),
  ),
  DEV_KEYS_DIR: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a directory path',
      description:
        'Where development keys are generated when `SIGNING_KEYS_FILE` is unset (default `<repo>/.dev-keys`).',
    }),
  ),
  USERS_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a file path',
      description:
        'JSON array of accounts `{id, username, passwordHash (argon2id PHC), roles, disabled?}`, written by `pnpm users`; re-read when it changes (a bad file keeps the previous accounts). Disabling an account or changing its password revokes its sessions.',
    }),
  ),
  OIDC_ISSUER: Type.Optional(
    Type.String({
      pattern: '^https?://[^?#\\s]+$',
      expected: 'an http(s) issuer URL without query or fragment, e.g. https://id.example.com/realms/main',
      description:
        'OpenID Connect provider whose ID tokens (and JWT access tokens) `POST /v1/auth/exchange` accepts; discovered at `<issuer>/.well-known/openid-configuration`. `https://` in production (loopback excepted). Needs `OIDC_AUDIENCE`.',
    }),
  ),
  OIDC_AUDIENCE: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description:
        "Your app's client id at the provider: the `aud` every exchanged or logout token must contain (and `azp` when an ID token has several audiences).",
    }),
  ),
  OIDC_ROLES_CLAIM: Type.String({
    minLength: 1,
    maxLength: 256,
    default: 'roles',
    description:
      "Claim holding the provider's roles or groups (a name, or a dotted path such as `realm_access.roles`); read once, when the account is created at its first exchange.",
  }),
  OIDC_ADMIN_VALUES: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
    default: [],
    expected: 'a comma-separated list of claim values',
    description:
      'Values of `OIDC_ROLES_CLAIM` that grant the `admin` role at the first exchange; empty: nobody becomes admin through the provider.',
  }),
  DEMO_USERS: Type.Boolean({
    default: false,
    devDefault: true,
    description: 'Seed the demo users `alice`, `bob` and `admin` (passwords `<name>-password`).',
  }),
  OPENAPI_DOCS: Type.Boolean({
    default: false,
    devDefault: true,
    description:
      'Serve the OpenAPI document at `/docs/json` (the committed copy: docs/reference/openapi.yaml).',
  }),
})

/** The validated api configuration. */
export type ApiConfig = Static<typeof ApiEnvSchema>

/**
 * Reads and validates the api's environment once; throws a one-line `ConfigError` naming the bad variable (`*`
 * in ALLOWED_ORIGINS outside development included; OIDC_ISSUER without OIDC_AUDIENCE), or a production refusal
 * (demo users, generated keys, no TLS, bad origins, no account source, ...).
 */
export function loadApiConfig(env: Env): ApiConfig {
  const config = loadConfig(ApiEnvSchema, env)
  if (config.OIDC_ISSUER !== undefined && config.OIDC_AUDIENCE === undefined)
    throw new ConfigError(
      'OIDC_AUDIENCE',
      'invalid environment: OIDC_AUDIENCE must be set with OIDC_ISSUER (your client id at the provider)',
    )
  if (config.OIDC_AUDIENCE !== undefined && config.OIDC_ISSUER === undefined)
    throw new ConfigError('OIDC_ISSUER', 'invalid environment: OIDC_ISSUER must be set with OIDC_AUDIENCE')
  assertProductionSafe(config)
  originPolicy(config)
  return config
}
