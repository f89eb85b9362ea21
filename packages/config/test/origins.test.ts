import { describe, expect, it } from 'vitest'
import { ConfigError, normalizeOrigin, originPolicy } from '../src/index.ts'

describe('originPolicy', () => {
  it('allows exactly the configured origins, compared lower-cased', () => {
    const policy = originPolicy({
      NODE_ENV: 'production',
      ALLOWED_ORIGINS: ['https://App.Example', 'http://localhost:5173'],
    })
    expect(policy.any).toBe(false)
    for (const origin of ['https://app.example', 'HTTPS://APP.EXAMPLE', 'http://localhost:5173'])
      expect(policy.allows(origin), origin).toBe(true)
    for (const origin of [
      'https://app.example.evil.test',
      'https://evil.test',
      'https://app.example:8443',
      'http://app.example',
      'https://app.example/',
      'null',
      '',
      '*',
    ])
      expect(policy.allows(origin), origin).toBe(false)
  })

  it('an empty list allows no browser origin', () => {
    const policy = originPolicy({ NODE_ENV: 'production', ALLOWED_ORIGINS: [] })
    expect(policy.allows('https://app.example')).toBe(false)
  })

  it('* allows any origin under NODE_ENV=development (and unset NODE_ENV, which means development)', () => {
    for (const NODE_ENV of ['development', undefined]) {
      const policy = originPolicy({ NODE_ENV, ALLOWED_ORIGINS: ['*'] })
      expect(policy.any).toBe(true)
      expect(policy.allows('https://anything.example')).toBe(true)
    }
  })

  it('* anywhere else is a ConfigError naming ALLOWED_ORIGINS, in one line', () => {
    for (const NODE_ENV of ['test', 'production', 'staging']) {
      let error: unknown
      try {
        originPolicy({ NODE_ENV, ALLOWED_ORIGINS: ['https://app.example', '*'] })
      } catch (err) {
        error = err
      }
      expect(error, NODE_ENV).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variable).toBe('ALLOWED_ORIGINS')
      expect((error as Error).message).toMatch(/^invalid environment: ALLOWED_ORIGINS may contain \* only/)
      expect((error as Error).message).not.toContain('\n')
    }
  })

  it('normalizeOrigin lower-cases scheme and host', () => {
    expect(normalizeOrigin('HTTP://LocalHost:5173')).toBe('http://localhost:5173')
  })
})
