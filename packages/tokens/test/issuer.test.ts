import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  createIssuer,
  createVerifier,
  generatePrivateJwk,
  keySetFromJwks,
  SessionEndedError,
  TokensOptionsError,
} from '../src/index.ts'

const es = generatePrivateJwk('ES256')
const ed = generatePrivateJwk('EdDSA')
const options = { issuer: 'https://api.test', audience: 'portcullis', ttlS: 300 }
const t0 = 1_900_000_000

const header = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>

afterEach(() => {
  vi.useRealTimers()
})

describe('createIssuer', () => {
  test('issues the contract claims: iat = nbf = now, exp = now + ttl, a fresh jti; kid and alg of the current key', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: t0 * 1000 + 999 })
    const issuer = createIssuer(keySetFromJwks([es, ed]), options)
    const { token, claims } = issuer.issue({ sub: 'u_alice', sid: 'sid-1', roles: ['user'] })
    expect(claims).toEqual({
      iss: options.issuer,
      aud: options.audience,
      sub: 'u_alice',
      sid: 'sid-1',
      roles: ['user'],
      iat: t0,
      nbf: t0,
      exp: t0 + 300,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
    expect(issuer.issue({ sub: 'u_alice', sid: 'sid-1', roles: [] }).claims.jti).not.toBe(claims.jti)
    expect(header(token)).toEqual({ alg: 'ES256', typ: 'JWT', kid: es.kid })
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toEqual(claims)
  })

  test('exp never passes the session end (endsAt, epoch ms)', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: t0 * 1000 })
    const issuer = createIssuer(keySetFromJwks([es]), options)
    const subject = { sub: 'u_alice', sid: 'sid-1', roles: ['user'] as const }
    expect(issuer.claims({ ...subject, endsAt: (t0 + 100) * 1000 + 500 }).exp).toBe(t0 + 100)
    expect(issuer.claims({ ...subject, endsAt: (t0 + 10_000) * 1000 }).exp).toBe(t0 + 300)
    expect(() => issuer.claims({ ...subject, endsAt: t0 * 1000 + 999 })).toThrow(SessionEndedError)
    expect(() => issuer.claims({ ...subject, endsAt: (t0 - 5) * 1000 })).toThrow(/session has ended/)
  })

  test('takes its times from the clock it is given (default Date.now)', () => {
    let clock = (t0 + 7200) * 1000
    const issuer = createIssuer(keySetFromJwks([es]), { ...options, now: () => clock })
    const subject = { sub: 'u_alice', sid: 'sid-1', roles: ['user'] as const }
    expect(issuer.claims(subject)).toMatchObject({ iat: t0 + 7200, nbf: t0 + 7200, exp: t0 + 7500 })
    clock += 60_000
    expect(issuer.claims({ ...subject, endsAt: clock + 10_000 })).toMatchObject({
      iat: t0 + 7260,
      exp: t0 + 7270,
    })
    expect(() => createIssuer(keySetFromJwks([es]), { ...options, now: 5 as never })).toThrow(/now/)
  })

  test('EdDSA keys sign too, and the verifier accepts both', async () => {
    const keys = keySetFromJwks([ed, es])
    const issuer = createIssuer(keys, options)
    const { token, claims } = issuer.issue({ sub: 'u_bob', sid: 'sid-2', roles: ['user', 'admin'] })
    expect(header(token)).toMatchObject({ alg: 'EdDSA', kid: ed.kid })
    const verifier = createVerifier({ ...options, keys })
    expect(await verifier.verify(token)).toEqual({ ok: true, claims, kid: ed.kid })
  })

  test('the roles are copied: changing the caller’s array later changes no token', () => {
    const roles: Array<'user' | 'admin'> = ['user']
    const claims = createIssuer(keySetFromJwks([es]), options).claims({ sub: 'u', sid: 's', roles })
    roles.push('admin')
    expect(claims.roles).toEqual(['user'])
  })

  test('refuses bad options, naming the option', () => {
    const keys = keySetFromJwks([es])
    expect(() => createIssuer(keys, { ...options, issuer: '' })).toThrow(TokensOptionsError)
    expect(() => createIssuer(keys, { ...options, audience: '' })).toThrow(/audience/)
    expect(() => createIssuer(keys, { ...options, ttlS: 0 })).toThrow(/ttlS/)
    expect(() => createIssuer(keys, { ...options, ttlS: 1.5 })).toThrow(/ttlS/)
    expect(
      createIssuer(keys, { issuer: 'i', audience: 'a' }).claims({ sub: 'u', sid: 's', roles: [] }),
    ).toMatchObject({
      exp: expect.any(Number),
    })
  })
})
