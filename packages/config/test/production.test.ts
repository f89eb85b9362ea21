import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import {
  assertProductionSafe,
  ConfigError,
  isLoopbackHost,
  loadConfig,
  productionChecks,
  productionProblems,
  ProductionConfigError,
  sharedEnv,
  type ProductionFacts,
} from '../src/index.ts'

const api: ProductionFacts = {
  NODE_ENV: 'production',
  API_PORT: 3001,
  ALLOWED_ORIGINS: ['https://app.example'],
  TLS_TERMINATED_BY_PROXY: true,
  TRUSTED_PROXIES: ['10.0.0.5'],
  REDIS_URL: 'rediss://portcullis:s3cret-pw@redis.internal:6380',
  DEMO_USERS: false,
  SIGNING_KEYS_FILE: '/run/secrets/signing-keys.json',
  USERS_FILE: '/run/secrets/users.json',
}

const realtime: ProductionFacts = {
  NODE_ENV: 'production',
  ALLOWED_ORIGINS: ['https://app.example'],
  TLS_CERT_FILE: '/tls/cert.pem',
  TLS_KEY_FILE: '/tls/key.pem',
  TLS_TERMINATED_BY_PROXY: false,
  TRUSTED_PROXIES: [],
  REDIS_URL: 'redis://:s3cret-pw@127.0.0.1:6379',
  ALLOW_QUERY_TOKEN: false,
  MAX_MESSAGE_BYTES: 16_384,
}

function byId(facts: ProductionFacts): Record<string, string> {
  return Object.fromEntries(productionChecks(facts).map((c) => [c.id, c.status]))
}

const accountRow = (facts: ProductionFacts) => productionChecks(facts).find((c) => c.id === 'account-source')

function refusal(facts: ProductionFacts): ProductionConfigError {
  try {
    assertProductionSafe(facts)
  } catch (err) {
    if (err instanceof ProductionConfigError) return err
    throw err
  }
  throw new Error('expected a refusal')
}

describe('production check', () => {
  it('accepts safe api and realtime settings', () => {
    expect(productionProblems(api)).toEqual([])
    expect(productionProblems(realtime)).toEqual([])
    expect(() => assertProductionSafe(api)).not.toThrow()
    expect(() => assertProductionSafe(realtime)).not.toThrow()
  })

  it('checks nothing outside production', () => {
    const unsafe = { ...realtime, ALLOWED_ORIGINS: ['*'], ALLOW_QUERY_TOKEN: true }
    for (const NODE_ENV of ['development', 'test', undefined]) {
      expect(productionProblems({ ...unsafe, NODE_ENV })).toEqual([])
      expect(() => assertProductionSafe({ ...unsafe, NODE_ENV })).not.toThrow()
    }
  })

  it.each<[string, ProductionFacts, string, RegExp]>([
    [
      'plaintext without a TLS proxy',
      { ...api, TLS_TERMINATED_BY_PROXY: false },
      'TLS_CERT_FILE',
      /plaintext/,
    ],
    ['a certificate without its key', { ...realtime, TLS_KEY_FILE: undefined }, 'TLS_KEY_FILE', /together/],
    ['empty origins', { ...api, ALLOWED_ORIGINS: [] }, 'ALLOWED_ORIGINS', /empty/],
    ['a wildcard origin', { ...api, ALLOWED_ORIGINS: ['*'] }, 'ALLOWED_ORIGINS', /wildcards/],
    [
      'an http: origin',
      { ...realtime, ALLOWED_ORIGINS: ['https://a.example', 'http://b.example'] },
      'ALLOWED_ORIGINS',
      /https:\/\/ origins \(got http:\/\/b\.example\)/,
    ],
    ['demo users', { ...api, DEMO_USERS: true }, 'DEMO_USERS', /DEMO_USERS=false/],
    [
      'demo users (derived fact)',
      { ...api, DEMO_USERS: undefined, demoUsers: true },
      'DEMO_USERS',
      /demo users/,
    ],
    [
      'a missing signing key file',
      { ...api, SIGNING_KEYS_FILE: undefined },
      'SIGNING_KEYS_FILE',
      /generated/,
    ],
    ['generated signing keys', { ...api, ephemeralKeys: true }, 'SIGNING_KEYS_FILE', /generated/],
    [
      'development keys',
      { ...api, SIGNING_KEYS_FILE: '/srv/app/.dev-keys/signing-keys.json' },
      'SIGNING_KEYS_FILE',
      /\.dev-keys/,
    ],
    [
      'the query token',
      { ...realtime, ALLOW_QUERY_TOKEN: true },
      'ALLOW_QUERY_TOKEN',
      /ALLOW_QUERY_TOKEN=false/,
    ],
    ['trustProxy: true', { ...api, trustProxy: true }, 'TRUSTED_PROXIES', /explicit/],
    ['trustProxy as a hop count', { ...api, trustProxy: 1 }, 'TRUSTED_PROXIES', /hop count/],
    ['a trust-everyone CIDR', { ...api, TRUSTED_PROXIES: ['0.0.0.0/0'] }, 'TRUSTED_PROXIES', /every address/],
    [
      'a trust-everyone IPv6 CIDR',
      { ...api, TRUSTED_PROXIES: ['10.0.0.5', '::/0'] },
      'TRUSTED_PROXIES',
      /::\/0 trusts/,
    ],
    ['a non-address proxy entry', { ...api, TRUSTED_PROXIES: ['1'] }, 'TRUSTED_PROXIES', /not an IP address/],
    [
      'a very wide IPv4 range',
      { ...api, TRUSTED_PROXIES: ['10.0.0.5', '0.0.0.0/1'] },
      'TRUSTED_PROXIES',
      /0\.0\.0\.0\/1 trusts \(almost\) every address/,
    ],
    [
      'the IPv4-mapped block (every IPv4 client)',
      { ...api, TRUSTED_PROXIES: ['::ffff:0:0/96'] },
      'TRUSTED_PROXIES',
      /::ffff:0:0\/96 trusts \(almost\) every IPv4 address/,
    ],
    [
      'an IPv6 /64 that holds the IPv4-mapped block',
      { ...api, TRUSTED_PROXIES: ['::/64'] },
      'TRUSTED_PROXIES',
      /::\/64 trusts \(almost\) every IPv4 address/,
    ],
    [
      'a wide IPv4-mapped range in dotted form',
      { ...api, TRUSTED_PROXIES: ['::ffff:0.0.0.0/100'] },
      'TRUSTED_PROXIES',
      /every IPv4 address/,
    ],
    [
      'plaintext Redis to another host',
      { ...api, REDIS_URL: 'redis://portcullis:pw@redis.internal:6379' },
      'REDIS_URL',
      /plaintext to redis\.internal: use rediss:\/\//,
    ],
    [
      'plaintext Redis to a private address',
      { ...realtime, REDIS_URL: 'redis://:pw@10.0.0.12:6379' },
      'REDIS_URL',
      /plaintext to 10\.0\.0\.12/,
    ],
    [
      'a JWKS fetched over http from another host',
      { ...realtime, JWKS_URL: 'http://api.internal:3001/.well-known/jwks.json' },
      'JWKS_URL',
      /plaintext http from api\.internal:3001: use https:\/\//,
    ],
    [
      'a JWKS URL that is not http(s)',
      { ...realtime, JWKS_URL: 'file:///etc/jwks.json' },
      'JWKS_URL',
      /must be an https:\/\/ URL/,
    ],
    [
      'Redis without credentials',
      { ...api, REDIS_URL: 'redis://redis.internal:6379' },
      'REDIS_URL',
      /no credentials/,
    ],
    [
      'Redis with a user but no password',
      { ...realtime, REDIS_URL: 'rediss://app@redis:6380' },
      'REDIS_URL',
      /no credentials/,
    ],
    [
      'an api with no account source',
      { ...api, USERS_FILE: undefined },
      'USERS_FILE',
      /no account source, nobody could log in: run `pnpm users add <name>` and set USERS_FILE/,
    ],
    [
      'an identity provider over plaintext off loopback',
      { ...api, OIDC_ISSUER: 'http://id.example/realms/main' },
      'OIDC_ISSUER',
      /plaintext http from id.example: use https/,
    ],
    [
      'a frame cap over 1 MiB',
      { ...realtime, MAX_MESSAGE_BYTES: 1_048_577 },
      'MAX_MESSAGE_BYTES',
      /1048577 is over/,
    ],
  ])('refuses %s', (_, facts, variable, detail) => {
    const err = refusal(facts)
    expect(err).toBeInstanceOf(ConfigError)
    expect(err.problems).toHaveLength(1)
    expect(err.variable).toBe(variable)
    expect(err.message).toMatch(/^refusing to start in production: /)
    expect(err.message).toMatch(detail)
    expect(err.message).not.toContain('\n')
  })

  it('lists every problem, one line each', () => {
    const err = refusal({
      NODE_ENV: 'production',
      API_PORT: 3001,
      ALLOWED_ORIGINS: ['*'],
      TLS_TERMINATED_BY_PROXY: false,
      TRUSTED_PROXIES: [],
      REDIS_URL: 'redis://127.0.0.1:6379',
      DEMO_USERS: true,
    })
    expect(err.problems.map((p) => p.id)).toEqual([
      'tls',
      'origins',
      'demo-users',
      'signing-keys',
      'redis-auth',
      'account-source',
    ])
    const lines = err.message.split('\n')
    expect(lines).toHaveLength(6)
    for (const line of lines) expect(line).toMatch(/^refusing to start in production: \S/)
  })

  it('never echoes the Redis password', () => {
    const rows = productionChecks({ ...api, REDIS_URL: 'redis://app:hunter2-pw@redis.internal:6379' })
    const redis = rows.find((r) => r.id === 'redis-auth')
    expect(redis?.status).toBe('fail')
    expect(redis?.detail).toContain('redis.internal')
    expect(JSON.stringify(rows)).not.toContain('hunter2')
    expect(refusal({ ...api, REDIS_URL: 'redis://redis.internal:6379/0?x=hunter2' }).message).not.toContain(
      'hunter2',
    )
  })

  it('accepts the edge of the frame cap, named proxy ranges and narrow CIDRs', () => {
    expect(productionProblems({ ...realtime, MAX_MESSAGE_BYTES: 1_048_576 })).toEqual([])
    const proxies = [
      'loopback',
      'uniquelocal',
      '10.0.0.0/8',
      'fd00::/32',
      '2001:db8::1',
      '::ffff:10.0.0.0/104',
      '2001:db8:1::/48',
    ]
    expect(productionProblems({ ...api, TRUSTED_PROXIES: proxies })).toEqual([])
  })

  it('accepts plaintext Redis and JWKS on loopback only', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '[::1]', '[::ffff:127.0.0.1]']) {
      const facts = {
        ...realtime,
        REDIS_URL: `redis://:pw@${host}:6379`,
        JWKS_URL: `http://${host}:3001/.well-known/jwks.json`,
      }
      expect(productionProblems(facts), host).toEqual([])
    }
    for (const host of ['localhost.example', '128.0.0.1', '[::2]', '0.0.0.0']) {
      const facts = { ...realtime, REDIS_URL: `redis://:pw@${host}:6379` }
      expect(
        productionProblems(facts).map((p) => p.id),
        host,
      ).toEqual(['redis-auth'])
    }
    expect(isLoopbackHost('LOCALHOST')).toBe(true)
    expect(isLoopbackHost('::1')).toBe(true)
    expect(isLoopbackHost('redis')).toBe(false)
  })

  it('warns, without refusing, about a proxy that is not trusted', () => {
    const facts = { ...api, TRUSTED_PROXIES: [] }
    expect(productionProblems(facts)).toEqual([])
    const warned = productionChecks(facts).filter((c) => c.status === 'warn')
    expect(warned.map((c) => c.id)).toEqual(['trusted-proxies'])
  })

  it('passes a JWKS fetched over https, or over http on loopback', () => {
    for (const JWKS_URL of [
      'http://127.0.0.1:3001/.well-known/jwks.json',
      'https://api.example/.well-known/jwks.json',
    ])
      expect(byId({ ...realtime, JWKS_URL })['jwks-url'], JWKS_URL).toBe('pass')
  })

  it('accepts either account source, and says which are active (pnpm doctor shows the row)', () => {
    expect(accountRow(api)).toMatchObject({
      status: 'pass',
      detail: 'accounts from USERS_FILE /run/secrets/users.json',
    })
    const oidcOnly = { ...api, USERS_FILE: undefined, OIDC_ISSUER: 'https://id.example' }
    expect(productionProblems(oidcOnly)).toEqual([])
    expect(accountRow(oidcOnly)).toMatchObject({
      status: 'pass',
      detail: 'accounts from OIDC_ISSUER https://id.example',
    })
    for (const OIDC_ISSUER of [
      'http://127.0.0.1:8080',
      'http://localhost:8080/realms/dev',
      'https://id.example',
    ])
      expect(byId({ ...api, OIDC_ISSUER })['oidc-issuer'], OIDC_ISSUER).toBe('pass')
    expect(byId(realtime)).toMatchObject({ 'account-source': 'skip', 'oidc-issuer': 'skip' })
  })

  it('skips the settings an app does not have', () => {
    expect(byId(realtime)).toMatchObject({
      'demo-users': 'skip',
      'signing-keys': 'skip',
      'query-token': 'pass',
    })
    expect(byId(api)).toMatchObject({ 'query-token': 'skip', 'message-cap': 'skip', 'signing-keys': 'pass' })
  })

  describe('REDIS_CLUSTER_NODES', () => {
    const seeds = [
      'rediss://app:s3cret-pw@redis-0.internal:6379',
      'rediss://app:s3cret-pw@redis-1.internal:6379',
    ]

    it('is checked instead of REDIS_URL when set (REDIS_URL is then unused)', () => {
      const facts = { ...api, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: seeds }
      expect(productionProblems(facts)).toEqual([])
      expect(productionChecks(facts).find((c) => c.id === 'redis-auth')).toMatchObject({
        variable: 'REDIS_CLUSTER_NODES',
        status: 'pass',
        detail: 'cluster of 2 seed(s), rediss:// with ACL user app',
      })
      // Empty: REDIS_URL is what counts again.
      expect(byId({ ...facts, REDIS_CLUSTER_NODES: [] })['redis-auth']).toBe('fail')
    })

    it.each<[string, string[], RegExp]>([
      [
        'a plaintext seed off loopback',
        [seeds[0]!, 'redis://app:s3cret-pw@10.0.0.7:6379'],
        /plaintext to 10\.0\.0\.7/,
      ],
      ['a seed without credentials', ['rediss://redis-0.internal:6379'], /no credentials/],
      ['mixed schemes', ['rediss://:pw@redis-0:6379', 'redis://:pw@127.0.0.1:6379'], /mixes/],
    ])('refuses %s, naming REDIS_CLUSTER_NODES and never the password', (_name, list, why) => {
      const err = refusal({ ...realtime, REDIS_CLUSTER_NODES: list })
      expect(err.problems.map((p) => p.variable)).toEqual(['REDIS_CLUSTER_NODES'])
      expect(err.message).toMatch(why)
      expect(err.message).not.toContain('s3cret-pw')
    })

    it('accepts plaintext seeds on loopback (a cluster on this machine)', () => {
      expect(
        productionProblems({ ...realtime, REDIS_CLUSTER_NODES: ['redis://:pw@127.0.0.1:7000'] }),
      ).toEqual([])
    })
  })

  it('works on a config parsed by loadConfig with production defaults', () => {
    const schema = Type.Object({
      ...sharedEnv,
      ALLOW_QUERY_TOKEN: Type.Boolean({ default: false, devDefault: true }),
      MAX_MESSAGE_BYTES: Type.Integer({ minimum: 1, default: 16_384 }),
    })
    const config = loadConfig(schema, { NODE_ENV: 'production' })
    // Production defaults are safe except what only the operator can supply: TLS, origins, Redis credentials.
    expect(productionProblems(config).map((p) => p.variable)).toEqual([
      'TLS_CERT_FILE',
      'ALLOWED_ORIGINS',
      'REDIS_URL',
    ])
    const ready = loadConfig(schema, {
      NODE_ENV: 'production',
      TLS_TERMINATED_BY_PROXY: 'true',
      TRUSTED_PROXIES: '10.1.0.0/16',
      ALLOWED_ORIGINS: 'https://chat.example',
      REDIS_URL: 'rediss://default:pw@redis:6380',
    })
    expect(productionProblems(ready)).toEqual([])
  })
})
