import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import {
  createIssuer,
  generatePrivateJwk,
  importPublicJwk,
  jwksDocument,
  KeySetError,
  keySetFromJwks,
} from '../src/index.ts'

function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a throw')
}

describe('keySetFromJwks', () => {
  test('the first key signs; every key resolves by kid; unknown kids do not', () => {
    const a = generatePrivateJwk('ES256')
    const b = generatePrivateJwk('EdDSA')
    const keys = keySetFromJwks([a, b])
    expect(keys.current.kid).toBe(a.kid)
    expect(keys.keys.map((k) => [k.kid, k.alg])).toEqual([
      [a.kid, 'ES256'],
      [b.kid, 'EdDSA'],
    ])
    expect(keys.get(b.kid)?.alg).toBe('EdDSA')
    expect(keys.resolve(b.kid)).toBe(keys.get(b.kid))
    expect(keys.resolve('nope')).toBe('unknown_kid')
  })

  test('the JWKS document has public keys only (kid, alg, use), current first, and they verify', () => {
    const a = generatePrivateJwk('EdDSA')
    const b = generatePrivateJwk('ES256')
    const keys = keySetFromJwks([a, b])
    const doc = jwksDocument(keys)
    expect(doc.keys.map((k) => k.kid)).toEqual([a.kid, b.kid])
    for (const jwk of doc.keys) {
      expect(jwk).not.toHaveProperty('d')
      expect(jwk).toMatchObject({ use: 'sig' })
    }
    expect(doc.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' })
    expect(doc.keys[1]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' })
    // A token of the current key checks out against its published JWK with plain node:crypto.
    const { token } = createIssuer(keys, { issuer: 'i', audience: 'a' }).issue({
      sub: 'u',
      sid: 's',
      roles: [],
    })
    const [h, p, s] = token.split('.') as [string, string, string]
    const pub = createPublicKey({ key: doc.keys[0]!, format: 'jwk' })
    expect(verify(null, Buffer.from(`${h}.${p}`), pub, Buffer.from(s, 'base64url'))).toBe(true)
  })

  test('refuses bad key files with a message that never holds key material', () => {
    const ec = generatePrivateJwk('ES256')
    const { kid: _kid, ...noKid } = ec
    const publicOnly = { ...ec, d: undefined }
    delete publicOnly.d
    const rsa = {
      ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
      kid: 'rsa-1',
    }
    const cases: Array<[unknown, RegExp]> = [
      [[], /non-empty/],
      [{ keys: [ec] }, /non-empty/],
      ['[]', /non-empty/],
      [[null], /JWK object/],
      [[noKid], /needs a kid/],
      [[{ ...ec, kid: 'has space' }], /needs a kid/],
      [[publicOnly], /not a private key/],
      [[rsa], /P-256 .* Ed25519/],
      [[ec, ec], /duplicate kid/],
      [[{ ...ec, alg: 'EdDSA' }], /does not match/],
      [[{ ...ec, d: 'AAAA' }], /do not belong together/],
      [[{ ...ec, crv: 'P-384' }], /not a valid private JWK/],
    ]
    for (const [input, message] of cases) {
      const err = thrown(() => keySetFromJwks(input))
      expect(err).toBeInstanceOf(KeySetError)
      expect(err.message).toMatch(message)
      expect(err.message).not.toContain(ec.d as string)
      expect(err.message).not.toContain(ec.x as string)
    }
  })
})

const rsaJwk = (bits: number) => ({
  ...generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }),
  kid: `rsa-${bits}`,
  use: 'sig',
})

describe('importPublicJwk', () => {
  const es = jwksDocument(keySetFromJwks([generatePrivateJwk('ES256')])).keys[0]!
  const ed = jwksDocument(keySetFromJwks([generatePrivateJwk('EdDSA')])).keys[0]!
  const rsa = { ...rsaJwk(2048), alg: 'RS256' }

  test('imports P-256 and Ed25519 signing keys, with or without alg/use', () => {
    expect(importPublicJwk(es)).toMatchObject({ key: { kid: es.kid, alg: 'ES256' } })
    const { alg: _a, use: _u, ...bare } = ed
    expect(importPublicJwk(bare)).toMatchObject({ key: { kid: ed.kid, alg: 'EdDSA' } })
    expect(importPublicJwk({ ...es, key_ops: ['verify'] })).toHaveProperty('key')
  })

  test('skips what it must never use, with a reason that holds no key material', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /not an object/],
      [[es], /not an object/],
      [{ ...es, kid: undefined }, /no kid/],
      [{ ...es, kid: 'k'.repeat(257) }, /no kid/],
      [{ ...es, use: 'enc' }, /use is not sig/],
      [{ ...es, key_ops: ['encrypt'] }, /key_ops/],
      [{ ...es, d: 'AAAA' }, /private key/],
      [{ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }, /not an RSA, EC or Ed25519/],
      [{ ...es, crv: 'P-384' }, /alg does not match/],
      [{ ...es, crv: 'P-384', alg: undefined }, /ES384 is not accepted \(ES256, EdDSA\)/],
      [{ ...rsa, alg: undefined }, /RS256 is not accepted/],
      [{ ...es, alg: 'RS256' }, /alg does not match/],
      [{ ...ed, alg: 'ES256' }, /alg does not match/],
      [{ ...es, x: 'AAAA' }, /invalid key material/],
    ]
    for (const [entry, reason] of cases) {
      const result = importPublicJwk(entry)
      expect(result).toEqual({ skipped: expect.stringMatching(reason) })
      expect(JSON.stringify(result)).not.toContain(es.x as string)
    }
  })

  test("a provider's algorithms admit RSA (RS256 when the key declares none), P-384 and P-521 keys", () => {
    const all = ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const
    expect(importPublicJwk(rsa, all)).toMatchObject({ key: { kid: 'rsa-2048', alg: 'RS256' } })
    expect(importPublicJwk({ ...rsa, alg: undefined }, all)).toMatchObject({ key: { alg: 'RS256' } })
    expect(importPublicJwk({ ...rsa, alg: 'PS256' }, all)).toMatchObject({ key: { alg: 'PS256' } })
    const p384 = {
      ...generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }),
      kid: 'p384',
    }
    expect(importPublicJwk(p384, all)).toMatchObject({ key: { alg: 'ES384' } })
    const p521 = {
      ...generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey.export({ format: 'jwk' }),
      kid: 'p521',
    }
    expect(importPublicJwk(p521, all)).toMatchObject({ key: { alg: 'ES512' } })
    // The key's own algorithm must still be in the list: a PS256-only provider does not admit an RS256 key.
    expect(importPublicJwk(rsa, ['PS256'])).toEqual({
      skipped: expect.stringMatching(/RS256 is not accepted/),
    })
    expect(importPublicJwk({ ...rsa, alg: 'HS256' }, all)).toEqual({
      skipped: expect.stringMatching(/alg does not match/),
    })
    expect(importPublicJwk(rsaJwk(1024), all)).toEqual({
      skipped: expect.stringMatching(/shorter than 2048 bits/),
    })
  })
})
