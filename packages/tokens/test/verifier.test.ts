import type { Role } from '@portcullis/protocol'
import { afterEach, describe, expect, expectTypeOf, test, vi } from 'vitest'
import {
  createVerifier,
  keySetFromJwks,
  TokensOptionsError,
  type AccessClaims,
  type KeyResolver,
} from '../src/index.ts'
import { TestTokens } from '../src/testing/index.ts'

const tokens = new TestTokens({ issuer: 'https://api.test', audience: 'portcullis' })
const verifier = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys: tokens.keySet })

const at = (seconds: number) => vi.setSystemTime(seconds * 1000)

afterEach(() => {
  vi.useRealTimers()
})

describe('createVerifier: what it accepts', () => {
  test('ES256 and EdDSA tokens of the key set, with the contract claims and the kid that signed', async () => {
    for (const key of tokens.keys) {
      const token = tokens.token(
        { sub: 'u_alice', sid: 'sid-1', roles: ['user', 'admin'], extra: 1 },
        { signWith: key },
      )
      const result = await verifier.verify(token)
      expect(result).toMatchObject({
        ok: true,
        kid: key.kid,
        claims: { sub: 'u_alice', sid: 'sid-1', roles: ['user', 'admin'] },
      })
      // Unknown claims are ignored and not passed on.
      expect(result.ok && Object.keys(result.claims).toSorted()).toEqual([
        'aud',
        'exp',
        'iat',
        'iss',
        'jti',
        'nbf',
        'roles',
        'sid',
        'sub',
      ])
    }
  })

  test('an aud list that contains the audience (RFC 7519 §4.1.3)', async () => {
    expect((await verifier.verify(tokens.token({ aud: ['billing', tokens.audience] }))).ok).toBe(true)
  })

  test('the claims type uses the protocol Role', () => {
    expectTypeOf<AccessClaims['roles']>().toEqualTypeOf<Role[]>()
  })
})

describe('createVerifier: every attack', () => {
  test.each(tokens.attacks().map((a) => [a.name, a] as const))('%s', async (_name, attack) => {
    expect(await verifier.verify(attack.token)).toEqual({ ok: false, failure: attack.failure })
  })

  test('anything but a string is malformed, and verify never throws', async () => {
    for (const value of [undefined, null, 42, {}, Buffer.from(tokens.token())])
      expect(await verifier.verify(value)).toEqual({ ok: false, failure: 'malformed' })
  })
})

describe('createVerifier: clock rules (nbf/iat ≤ 60 s skew, exp ≤ 5 s leeway)', () => {
  const t0 = 1_900_000_000
  const verifyAt = async (seconds: number, claims: Record<string, unknown>) => {
    at(t0)
    const token = tokens.token({ iat: t0, nbf: t0, exp: t0 + 300, ...claims })
    at(seconds)
    return await verifier.verify(token)
  }

  test('exp: accepted up to 5 s after, refused past it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    expect((await verifyAt(t0 + 305, {})).ok).toBe(true)
    expect(await verifyAt(t0 + 305.001, {})).toEqual({ ok: false, failure: 'expired' })
  })

  test('nbf and iat: accepted up to 60 s ahead, refused past it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    expect((await verifyAt(t0 - 60, {})).ok).toBe(true)
    expect(await verifyAt(t0 - 60.001, {})).toEqual({ ok: false, failure: 'not_yet_valid' })
    expect(await verifyAt(t0, { iat: t0 + 61 })).toEqual({ ok: false, failure: 'not_yet_valid' })
    expect(await verifyAt(t0, { nbf: t0 + 61 })).toEqual({ ok: false, failure: 'not_yet_valid' })
    expect((await verifyAt(t0, { nbf: t0 + 60, iat: t0 + 60 })).ok).toBe(true)
  })
})

describe('createVerifier: keys', () => {
  test('rotation: a token of the previous key verifies while the key set holds it, and not after', async () => {
    const rotation = new TestTokens({ algs: ['ES256'] })
    const old = rotation.keys[0]!
    const token = rotation.token()
    rotation.addKey('EdDSA', { current: true })
    const during = createVerifier({
      issuer: rotation.issuer,
      audience: rotation.audience,
      keys: rotation.keySet,
    })
    expect(await during.verify(token)).toMatchObject({ ok: true, kid: old.kid })
    rotation.removeKey(old.kid)
    const after = createVerifier({
      issuer: rotation.issuer,
      audience: rotation.audience,
      keys: rotation.keySet,
    })
    expect(await after.verify(token)).toEqual({ ok: false, failure: 'unknown_kid' })
  })

  test('a resolver without keys answers keys_unavailable, before any signature work', async () => {
    const resolve = vi.fn<KeyResolver['resolve']>(() => 'keys_unavailable')
    const down = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys: { resolve } })
    expect(await down.verify(tokens.token())).toEqual({ ok: false, failure: 'keys_unavailable' })
    // Claims are checked before keys are looked up: an expired token never costs a lookup (or a JWKS fetch).
    expect(await down.verify(tokens.token({ exp: 1 }))).toEqual({ ok: false, failure: 'expired' })
    expect(resolve).toHaveBeenCalledTimes(1)
  })

  test('an async resolver is awaited', async () => {
    const keys: KeyResolver = { resolve: async (kid) => tokens.keySet.resolve(kid) }
    const remote = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys })
    expect((await remote.verify(tokens.token())).ok).toBe(true)
  })

  test('a key set loaded from private JWKs verifies what TestTokens signs', async () => {
    const keys = keySetFromJwks(tokens.keys.map((k) => k.jwk))
    const v = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys })
    expect((await v.verify(tokens.token({}, { alg: 'EdDSA' }))).ok).toBe(true)
  })
})

describe('createVerifier: options', () => {
  test('refuses an empty issuer or audience, or no key source', () => {
    const keys = tokens.keySet
    expect(() => createVerifier({ issuer: '', audience: 'a', keys })).toThrow(TokensOptionsError)
    expect(() => createVerifier({ issuer: 'i', audience: '', keys })).toThrow(/audience/)
    expect(() => createVerifier({ issuer: 'i', audience: 'a', keys: {} as KeyResolver })).toThrow(/keys/)
  })

  test('exposes the fast-jwt options it is built from: pinned algorithms, exact iss/aud, every claim, 5 s', () => {
    expect(verifier.fastJwtOptions).toEqual({
      algorithms: ['ES256', 'EdDSA'],
      allowedIss: tokens.issuer,
      allowedAud: tokens.audience,
      requiredClaims: ['iss', 'aud', 'sub', 'sid', 'roles', 'iat', 'nbf', 'exp', 'jti'],
      clockTolerance: 5000,
      ignoreNotBefore: true,
      complete: true,
      cache: 1000,
    })
  })
})
