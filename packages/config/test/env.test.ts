import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, sharedEnv } from '../src/index.ts'

const schema = Type.Object({
  ...sharedEnv,
  MSG_RATE_PER_S: Type.Integer({ minimum: 1, default: 20 }),
  FLAG: Type.Boolean({ default: false }),
  DEMO_USERS: Type.Boolean({ default: false, devDefault: true }),
  NEEDED: Type.Optional(Type.String()),
})

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('reads REDIS_CLUSTER_NODES as a list of node URLs (default none) and never echoes a bad one', () => {
    expect(loadConfig(schema, {}).REDIS_CLUSTER_NODES).toEqual([])
    expect(
      loadConfig(schema, { REDIS_CLUSTER_NODES: 'redis://10.0.0.1:7000, rediss://u:pw@10.0.0.2:7001' })
        .REDIS_CLUSTER_NODES,
    ).toEqual(['redis://10.0.0.1:7000', 'rediss://u:pw@10.0.0.2:7001'])
    for (const bad of ['10.0.0.1:7000', 'redis://u:hunter2@h:1/0', 'http://h:1']) {
      const err = errorOf(() => loadConfig(schema, { REDIS_CLUSTER_NODES: bad }))
      expect(err.variable).toBe('REDIS_CLUSTER_NODES')
      expect(err.message).not.toContain('hunter2')
    }
  })

  it('applies defaults, including development defaults outside production', () => {
    const config = loadConfig(schema, {})
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: 'portcullis:',
      ALLOWED_ORIGINS: ['http://localhost:5173', 'http://127.0.0.1:5173'],
      TLS_TERMINATED_BY_PROXY: false,
      TRUSTED_PROXIES: [],
      MSG_RATE_PER_S: 20,
      DEMO_USERS: true,
    })
    expect(config.NEEDED).toBeUndefined()
  })

  it('uses production defaults under NODE_ENV=production', () => {
    const config = loadConfig(schema, { NODE_ENV: 'production' })
    expect(config.ALLOWED_ORIGINS).toEqual([])
    expect(config.DEMO_USERS).toBe(false)
  })

  it('parses numbers, booleans and comma lists', () => {
    const config = loadConfig(schema, {
      MSG_RATE_PER_S: ' 7 ',
      FLAG: 'TRUE',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443 ,',
      TRUSTED_PROXIES: '10.0.0.1,192.168.0.0/16',
    })
    expect(config.MSG_RATE_PER_S).toBe(7)
    expect(config.FLAG).toBe(true)
    expect(config.ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example:8443'])
    expect(config.TRUSTED_PROXIES).toEqual(['10.0.0.1', '192.168.0.0/16'])
  })

  it('rejects a bad value with one line naming the variable', () => {
    const err = errorOf(() => loadConfig(schema, { MSG_RATE_PER_S: 'abc' }))
    expect(err.variable).toBe('MSG_RATE_PER_S')
    expect(err.message).toBe('invalid environment: MSG_RATE_PER_S must be a positive integer (got "abc")')
    expect(err.message).not.toContain('\n')
  })

  it.each([
    ['MSG_RATE_PER_S', '0'],
    ['MSG_RATE_PER_S', '1.5'],
    ['FLAG', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'prod'],
    ['ALLOWED_ORIGINS', 'https://ok.example,not an origin'],
    ['ALLOWED_ORIGINS', 'https://a.example/path'],
    ['TRUSTED_PROXIES', 'everyone'],
    ['REDIS_URL', 'http://localhost'],
  ])('rejects %s=%s', (name, value) => {
    const err = errorOf(() => loadConfig(schema, { [name]: value }))
    expect(err.variable).toBe(name)
    expect(err.message).toMatch(new RegExp(`^invalid environment: ${name} must be `))
  })

  it('never echoes a secret value', () => {
    const err = errorOf(() => loadConfig(schema, { REDIS_URL: 'tcp://user:hunter2@host' }))
    expect(err.message).not.toContain('hunter2')
  })

  it('names a missing required variable', () => {
    const strict = Type.Object({ JWT_ISSUER: Type.String({ minLength: 1 }) })
    expect(errorOf(() => loadConfig(strict, {})).message).toBe('invalid environment: JWT_ISSUER is required')
  })
})
