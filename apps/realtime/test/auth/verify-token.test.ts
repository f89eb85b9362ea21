import { createHmac, generateKeyPairSync } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { JwksCache } from '../../src/auth/jwks.ts'
import { verifyAccessToken, verifyWithRefresh } from '../../src/auth/verify-token.ts'
import { AUDIENCE, b64, ISSUER, Signer } from '../helper.ts'

const options = { issuer: ISSUER, audience: AUDIENCE, skewS: 60, expLeewayS: 5 }

async function setup() {
  const signer = new Signer()
  const keys = new JwksCache({ fetcher: async () => signer.jwks(), minRefreshIntervalMs: 60_000 })
  await keys.refresh(true)
  return { signer, keys }
}

const claims = { sub: 'alice', sid: 'sid-1' }
const nowS = () => Math.floor(Date.now() / 1000)

describe('verifyAccessToken', () => {
  test('accepts ES256 and EdDSA tokens from the JWKS', async () => {
    const { signer, keys } = await setup()
    for (const alg of ['ES256', 'EdDSA'] as const) {
      const result = verifyAccessToken(signer.sign(claims, { alg }), keys, options)
      expect(result).toMatchObject({ ok: true, claims: { sub: 'alice', sid: 'sid-1' } })
    }
  })

  test('rejects alg none', async () => {
    const { signer, keys } = await setup()
    const kid = signer.keys[0]!.kid
    const token = `${b64({ alg: 'none', kid })}.${b64({ ...claims, iss: ISSUER, aud: AUDIENCE, exp: nowS() + 60 })}.`
    expect(verifyAccessToken(token, keys, options)).toEqual({ ok: false, reason: 'algorithm' })
  })

  test('rejects HS256 signed with the public key (algorithm confusion)', async () => {
    const { signer, keys } = await setup()
    const key = signer.keys[0]!
    const pem = key.publicKey.export({ format: 'pem', type: 'spki' })
    const data = `${b64({ alg: 'HS256', kid: key.kid })}.${b64({ ...claims, iss: ISSUER, aud: AUDIENCE, exp: nowS() + 60 })}`
    const token = `${data}.${createHmac('sha256', pem).update(data).digest('base64url')}`
    expect(verifyAccessToken(token, keys, options)).toEqual({ ok: false, reason: 'algorithm' })
  })

  test('rejects a header alg that differs from the key’s algorithm', async () => {
    const { signer, keys } = await setup()
    const edKid = signer.keys.find((k) => k.alg === 'EdDSA')!.kid
    const token = signer.sign(claims, { alg: 'ES256', kid: edKid, key: signer.keys[0]!.privateKey })
    expect(verifyAccessToken(token, keys, options)).toEqual({ ok: false, reason: 'algorithm' })
  })

  test('rejects wrong iss, wrong aud, missing exp, expired, nbf/iat in the future, crit, bad signature', async () => {
    const { signer, keys } = await setup()
    const cases: Array<[string, string]> = [
      [signer.sign({ ...claims, iss: 'evil' }), 'issuer'],
      [signer.sign({ ...claims, aud: 'other' }), 'audience'],
      [signer.sign({ ...claims, exp: undefined }), 'claims'],
      [signer.sign({ ...claims, exp: nowS() - 6 }), 'expired'],
      [signer.sign({ ...claims, nbf: nowS() + 120 }), 'not_yet_valid'],
      [signer.sign({ ...claims, iat: nowS() + 120 }), 'not_yet_valid'],
      [signer.sign(claims, { header: { crit: ['exp'] } }), 'crit'],
      [signer.sign({ ...claims, sub: 'a b' }), 'claims'],
      [`${signer.sign(claims).slice(0, -4)}AAAA`, 'signature'],
      ['not.a.jwt', 'malformed'],
      ['x'.repeat(9000), 'malformed'],
    ]
    for (const [token, reason] of cases)
      expect(verifyAccessToken(token, keys, options)).toEqual({ ok: false, reason })
  })

  test('allows 60 s skew on nbf and 5 s on exp, no more', async () => {
    const { signer, keys } = await setup()
    expect(verifyAccessToken(signer.sign({ ...claims, nbf: nowS() + 50 }), keys, options).ok).toBe(true)
    expect(verifyAccessToken(signer.sign({ ...claims, exp: nowS() - 3 }), keys, options).ok).toBe(true)
    expect(verifyAccessToken(signer.sign({ ...claims, exp: nowS() - 10 }), keys, options).ok).toBe(false)
  })

  test('unknown kid: refused; a token of a foreign key with a known kid fails its signature', async () => {
    const { signer, keys } = await setup()
    expect(verifyAccessToken(signer.sign(claims, { kid: 'nope' }), keys, options)).toEqual({
      ok: false,
      reason: 'unknown_kid',
    })
    const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    expect(verifyAccessToken(signer.sign(claims, { key: foreign }), keys, options)).toEqual({
      ok: false,
      reason: 'signature',
    })
  })
})

describe('JwksCache', () => {
  test('a new kid is found after one refetch; forged kids cause at most one fetch per interval (single-flight)', async () => {
    const signer = new Signer()
    let fetches = 0
    const keys = new JwksCache({
      fetcher: async () => {
        fetches += 1
        await new Promise((r) => setTimeout(r, 20))
        return signer.jwks()
      },
      minRefreshIntervalMs: 60_000,
    })
    await keys.refresh(true)
    expect(fetches).toBe(1)
    const rotated = signer.addKey('ES256')
    // Rate limit: within the interval, an unknown kid does not refetch.
    expect((await verifyWithRefresh(signer.sign(claims, { kid: rotated }), keys, options)).ok).toBe(false)
    expect(fetches).toBe(1)

    const fresh = new JwksCache({
      fetcher: async () => {
        fetches += 1
        await new Promise((r) => setTimeout(r, 20))
        return signer.jwks()
      },
      minRefreshIntervalMs: 60_000,
    })
    fetches = 0
    const forged = Array.from({ length: 50 }, (_, i) => signer.sign(claims, { kid: `forged-${i}` }))
    const results = await Promise.all([
      verifyWithRefresh(signer.sign(claims, { kid: rotated }), fresh, options),
      ...forged.map((t) => verifyWithRefresh(t, fresh, options)),
    ])
    expect(fetches).toBe(1)
    expect(results[0]!.ok).toBe(true)
    expect(results.slice(1).every((r) => !r.ok)).toBe(true)
  })

  test('skips private keys, HMAC keys and unknown curves; keeps old keys when a fetch fails', async () => {
    const signer = new Signer()
    let fail = false
    const ec = signer.jwks().keys[0] as Record<string, unknown>
    const keys = new JwksCache({
      fetcher: async () => {
        if (fail) throw new Error('down')
        return {
          keys: [
            ec,
            { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
            { ...ec, kid: 'priv', d: 'AAAA' },
            { ...ec, kid: 'wrong-alg', alg: 'RS256' },
          ],
        }
      },
      minRefreshIntervalMs: 0,
    })
    await keys.refresh(true)
    expect(keys.size).toBe(1)
    fail = true
    await keys.refresh(true)
    expect(keys.get(ec.kid as string)).toBeDefined()
  })
})
