import { describe, expect, it } from 'vitest'
import { assertProductionSafe, ConfigError, productionProblems } from '../src/index.ts'

const safe = {
  NODE_ENV: 'production',
  ALLOWED_ORIGINS: ['https://app.example'],
  TLS_TERMINATED_BY_PROXY: true,
  demoUsers: false,
  ephemeralKeys: false,
  allowQueryToken: false,
}

describe('production check', () => {
  it('accepts safe settings and ignores development', () => {
    expect(productionProblems(safe)).toEqual([])
    expect(productionProblems({ ...safe, NODE_ENV: 'development', demoUsers: true })).toEqual([])
  })

  it.each([
    [{ TLS_TERMINATED_BY_PROXY: false }, 'TLS_CERT_FILE'],
    [{ ALLOWED_ORIGINS: [] }, 'ALLOWED_ORIGINS'],
    [{ ALLOWED_ORIGINS: ['*'] }, 'ALLOWED_ORIGINS'],
    [{ demoUsers: true }, 'DEMO_USERS'],
    [{ ephemeralKeys: true }, 'SIGNING_KEYS_FILE'],
    [{ allowQueryToken: true }, 'ALLOW_QUERY_TOKEN'],
  ])('refuses %o', (change, variable) => {
    const err = (() => {
      try {
        assertProductionSafe({ ...safe, ...change })
      } catch (e) {
        return e
      }
      return null
    })()
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).variable).toBe(variable)
    expect((err as ConfigError).message).toMatch(/^refusing to start in production: /)
  })

  it('accepts TLS files instead of a proxy', () => {
    const facts = { ...safe, TLS_TERMINATED_BY_PROXY: false, TLS_CERT_FILE: '/c.pem', TLS_KEY_FILE: '/k.pem' }
    expect(productionProblems(facts)).toEqual([])
  })
})
