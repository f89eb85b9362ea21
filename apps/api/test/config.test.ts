import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '@portcullis/config'
import { describe, expect, it } from 'vitest'
import { loadApiConfig } from '../src/config.ts'

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadApiConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

const SAFE_PROD = {
  NODE_ENV: 'production',
  ALLOWED_ORIGINS: 'https://app.example',
  TLS_TERMINATED_BY_PROXY: 'true',
  REDIS_URL: 'rediss://api:pw@redis.internal:6380',
  SIGNING_KEYS_FILE: '/run/secrets/jwks.json',
  USERS_FILE: '/run/secrets/users.json',
}

describe('api config', () => {
  it('applies the documented defaults', () => {
    const c = loadApiConfig({})
    expect(c).toMatchObject({
      API_PORT: 3001,
      ACCESS_TOKEN_TTL_S: 300,
      REFRESH_TOKEN_TTL_S: 86_400,
      TICKET_TTL_S: 30,
      LOGIN_RATE_PER_MIN: 30,
      LOGIN_FAILURES_PER_USERNAME: 10,
      LOGIN_FAILURES_PER_USERNAME_GLOBAL: 100,
      SESSION_MAX_AGE_S: 604_800,
      TICKET_RATE_PER_MIN: 30,
      DEMO_USERS: true,
      REDIS_KEY_PREFIX: 'portcullis:',
      TRUSTED_PROXIES: [],
    })
  })

  it.each([
    ['API_PORT', '70000'],
    ['ACCESS_TOKEN_TTL_S', 'five'],
    ['TICKET_TTL_S', '0'],
    ['LOGIN_RATE_PER_MIN', '-1'],
    ['LOGIN_FAILURES_PER_USERNAME_GLOBAL', '0'],
    ['SESSION_MAX_AGE_S', '0'],
    ['SESSION_MAX_AGE_S', '31536001'],
    ['TICKET_RATE_PER_MIN', 'lots'],
    ['DEMO_USERS', 'sometimes'],
    ['ALLOWED_ORIGINS', 'https://a.example/*'],
  ])('rejects %s=%s with one line naming it', (name, value) => {
    const err = refusal({ [name]: value })
    expect(err.variable).toBe(name)
    expect(err.message).toMatch(new RegExp(`^invalid environment: ${name} must be .+$`))
  })

  it('accepts a safe production config and refuses demo users and generated keys there', () => {
    expect(loadApiConfig(SAFE_PROD).DEMO_USERS).toBe(false)
    expect(refusal({ ...SAFE_PROD, DEMO_USERS: 'true' }).message).toMatch(/DEMO_USERS/)
    const { SIGNING_KEYS_FILE: _, ...noKeys } = SAFE_PROD
    expect(refusal(noKeys).message).toMatch(/SIGNING_KEYS_FILE/)
  })

  it('production needs an account source: a users file or an identity provider (https, or loopback)', () => {
    const { USERS_FILE: _, ...noAccounts } = SAFE_PROD
    const err = refusal(noAccounts)
    expect(err.variable).toBe('USERS_FILE')
    expect(err.message).toBe(
      'refusing to start in production: no account source, nobody could log in: run `pnpm users add <name>` and set USERS_FILE to its file, or set OIDC_ISSUER and OIDC_AUDIENCE (docs/guides/identity-providers.md)',
    )
    const oidc = { ...noAccounts, OIDC_ISSUER: 'https://id.example/realms/main', OIDC_AUDIENCE: 'portcullis' }
    expect(loadApiConfig(oidc).OIDC_ISSUER).toBe('https://id.example/realms/main')
    expect(loadApiConfig({ ...oidc, OIDC_ISSUER: 'http://127.0.0.1:8080' }).OIDC_AUDIENCE).toBe('portcullis')
    expect(refusal({ ...oidc, OIDC_ISSUER: 'http://id.example' }).message).toMatch(
      /OIDC_ISSUER fetches the provider's keys over plaintext http from id.example/,
    )
  })

  it('OIDC variables: issuer and audience go together; defaults of the claim mapping', () => {
    expect(loadApiConfig({})).toMatchObject({ OIDC_ROLES_CLAIM: 'roles', OIDC_ADMIN_VALUES: [] })
    expect(refusal({ OIDC_ISSUER: 'https://id.example' }).variable).toBe('OIDC_AUDIENCE')
    expect(refusal({ OIDC_AUDIENCE: 'web' }).variable).toBe('OIDC_ISSUER')
    expect(refusal({ OIDC_ISSUER: 'https://id.example/?tenant=1', OIDC_AUDIENCE: 'web' }).variable).toBe(
      'OIDC_ISSUER',
    )
    expect(
      loadApiConfig({
        OIDC_ISSUER: 'https://id.example',
        OIDC_AUDIENCE: 'web',
        OIDC_ADMIN_VALUES: 'ops, portcullis-admin',
      }).OIDC_ADMIN_VALUES,
    ).toEqual(['ops', 'portcullis-admin'])
  })

  it('the server exits 1 with one line on stderr for a bad variable', () => {
    const run = spawnSync(process.execPath, ['--conditions=source', server], {
      env: { PATH: process.env.PATH, API_PORT: 'abc' },
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(run.status).toBe(1)
    expect(run.stderr.trim().split('\n')).toEqual([
      'invalid environment: API_PORT must be an integer from 0 to 65535 (got "abc")',
    ])
  })
})
