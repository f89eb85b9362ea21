import { describe, expect, test } from 'vitest'
import { ConfigError, ProductionConfigError } from '@portcullis/config'
import { loadRealtimeConfig } from '../src/config.ts'

describe('realtime config', () => {
  test('documented defaults outside production', () => {
    const c = loadRealtimeConfig({})
    expect(c).toMatchObject({
      REALTIME_PORT: 3002,
      REDIS_KEY_PREFIX: 'portcullis:',
      MAX_MESSAGE_BYTES: 16384,
      MSG_RATE_PER_S: 20,
      MSG_BURST: 40,
      MAX_CONNECTIONS_PER_USER: 5,
      CONNECT_RATE_PER_MIN: 60,
      AUTH_FAILURES_PER_MIN: 20,
      IDLE_TIMEOUT_MS: 300000,
      HEARTBEAT_INTERVAL_MS: 30000,
      EXPIRY_WARNING_S: 30,
      AUTH_BLOCK_S: 300,
      STORE_GRACE_MS: 3000,
      ALLOW_QUERY_TOKEN: true,
      JWKS_REFRESH_S: 60,
      JWKS_MAX_STALE_S: 3600,
    })
    // One set of token rules, the tokens package's: no per-app skew, leeway or refetch knobs.
    for (const gone of ['JWT_CLOCK_SKEW_S', 'JWT_EXP_LEEWAY_S', 'JWKS_REFRESH_MIN_INTERVAL_MS'])
      expect(Object.keys(c)).not.toContain(gone)
  })

  test('a bad variable fails with one line naming it', () => {
    for (const [name, value] of [
      ['MSG_RATE_PER_S', 'abc'],
      ['MAX_MESSAGE_BYTES', '10'],
      ['REALTIME_PORT', '70000'],
      ['JWKS_REFRESH_S', '0'],
      ['JWKS_MAX_STALE_S', 'soon'],
      ['JWKS_URL', 'ftp://x'],
      ['HEARTBEAT_INTERVAL_MS', '3000000000'],
    ]) {
      let error: unknown
      try {
        loadRealtimeConfig({ [name!]: value })
      } catch (err) {
        error = err
      }
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variable).toBe(name)
      expect((error as Error).message).not.toContain('\n')
      expect((error as Error).message).toContain(name!)
    }
  })

  test('JWKS_MAX_STALE_S shorter than JWKS_REFRESH_S, or * in ALLOWED_ORIGINS outside development, is refused', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ JWKS_REFRESH_S: '120', JWKS_MAX_STALE_S: '60' }, 'JWKS_MAX_STALE_S'],
      [{ NODE_ENV: 'test', ALLOWED_ORIGINS: '*' }, 'ALLOWED_ORIGINS'],
    ]
    for (const [env, variable] of cases) {
      let error: unknown
      try {
        loadRealtimeConfig(env)
      } catch (err) {
        error = err
      }
      expect(error, variable).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variable).toBe(variable)
      expect((error as Error).message).not.toContain('\n')
    }
    expect(loadRealtimeConfig({ JWKS_REFRESH_S: '5', JWKS_MAX_STALE_S: '5' }).JWKS_MAX_STALE_S).toBe(5)
    expect(loadRealtimeConfig({ NODE_ENV: 'development', ALLOWED_ORIGINS: '*' }).ALLOWED_ORIGINS).toEqual([
      '*',
    ])
  })

  test('production refuses query tokens, wildcard or empty origins, and plaintext without a TLS proxy', () => {
    const safe = {
      NODE_ENV: 'production',
      ALLOWED_ORIGINS: 'https://app.example.com',
      TLS_TERMINATED_BY_PROXY: 'true',
      REDIS_URL: 'rediss://realtime:pw@redis.internal:6379',
      JWKS_URL: 'https://api.example.com/.well-known/jwks.json',
    }
    expect(loadRealtimeConfig(safe).ALLOW_QUERY_TOKEN).toBe(false)
    const refusals: Array<[Record<string, string>, string]> = [
      [{ ALLOW_QUERY_TOKEN: 'true' }, 'ALLOW_QUERY_TOKEN'],
      [{ ALLOWED_ORIGINS: '*' }, 'ALLOWED_ORIGINS'],
      [{ ALLOWED_ORIGINS: '' }, 'ALLOWED_ORIGINS'],
      [{ TLS_TERMINATED_BY_PROXY: 'false' }, 'TLS_CERT_FILE'],
    ]
    for (const [override, variable] of refusals) {
      let error: unknown
      try {
        loadRealtimeConfig({ ...safe, ...override })
      } catch (err) {
        error = err
      }
      expect(error, variable).toBeInstanceOf(ProductionConfigError)
      expect((error as ProductionConfigError).problems.map((p) => p.variable)).toContain(variable)
    }
  })
})
