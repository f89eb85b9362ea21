import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { DEFAULT_API_URL, DEFAULT_REALTIME_URL } from './src/defaults.ts'

/**
 * The demo's build- and dev-time environment, read by `vite.config.ts` (from the environment and `.env` files):
 * `VITE_*` values are inlined into the page; the others configure the dev server. A bad value stops Vite with one
 * line naming the variable. docs/reference/configuration.md and `.env.example` are generated from this schema
 * (same annotations as the apps' schemas: `description`, `expected`, `secret`).
 */
export const WebEnvSchema = Type.Object({
  VITE_API_URL: Type.String({
    pattern: '^https?://\\S+$',
    default: DEFAULT_API_URL,
    expected: 'an http:// or https:// URL',
    description: 'Where the page finds the api (inlined into the build).',
  }),
  VITE_REALTIME_URL: Type.String({
    pattern: '^wss?://\\S+$',
    default: DEFAULT_REALTIME_URL,
    expected: 'a ws:// or wss:// URL',
    description: 'Where the page opens its WebSocket (inlined into the build; the SDK appends `/v1/ws`).',
  }),
  VITE_OIDC_ISSUER: Type.Optional(
    Type.String({
      pattern: '^https?://[^?#\\s]+$',
      expected: 'an http(s) issuer URL',
      description:
        'Issuer of the OpenID Connect provider the api trusts (its `OIDC_ISSUER`): the page offers "Sign in with OpenID Connect" (authorization code + PKCE). `pnpm dev` sets it to its local provider.',
    }),
  ),
  VITE_OIDC_CLIENT_ID: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "The page's client id at that provider (the api's `OIDC_AUDIENCE`); its redirect URI is the page's origin + `/`.",
    }),
  ),
  WEB_HOST: Type.String({
    minLength: 1,
    default: 'localhost',
    expected: 'a host name or IP address',
    description: 'Address the dev server listens on (`pnpm dev`).',
  }),
  WEB_PORT: Type.Integer({
    minimum: 1,
    maximum: 65535,
    default: 5173,
    description:
      'Port of the dev server; it is part of the page origin, so list it in `ALLOWED_ORIGINS` when you change it.',
  }),
  TLS_CERT_FILE: Type.Optional(
    Type.String({
      expected: 'a file path',
      description: 'PEM certificate: the dev server serves https (`pnpm dev:tls` sets it).',
    }),
  ),
  TLS_KEY_FILE: Type.Optional(
    Type.String({
      expected: 'a file path',
      secret: true,
      description: 'PEM private key of `TLS_CERT_FILE`.',
    }),
  ),
})

/** The validated demo settings. */
export type WebEnv = Static<typeof WebEnvSchema>

/**
 * Reads the demo's variables from `env` (defaults applied, numbers parsed) or throws one line naming the first bad
 * one, like the apps' `loadConfig`. Vite loads its config before any workspace package is built, so this uses
 * TypeBox alone instead of `@portcullis/config` (whose runtime is its compiled `dist/`).
 * @example const env = readWebEnv(loadEnv(mode, root, '')) // { VITE_API_URL: 'http://localhost:3001', ... }
 */
export function readWebEnv(env: Record<string, string | undefined>): WebEnv {
  const raw = Object.fromEntries(
    Object.keys(WebEnvSchema.properties)
      .filter((key) => env[key] !== undefined && env[key]?.trim() !== '')
      .map((key) => [key, env[key]]),
  )
  const value = Value.Convert(WebEnvSchema, Value.Default(WebEnvSchema, raw))
  const [first] = Value.Errors(WebEnvSchema, value)
  if (!first) return value as WebEnv
  const key = first.instancePath.split('/')[1] ?? first.instancePath
  const prop = (WebEnvSchema.properties as Record<string, { expected?: string; secret?: boolean }>)[key]
  const got = prop?.secret ? '' : ` (got ${JSON.stringify(raw[key])})`
  throw new Error(`invalid environment: ${key} must be ${prop?.expected ?? 'a valid value'}${got}`)
}
