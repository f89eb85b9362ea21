import { createHmac } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { describe, expect, it } from 'vitest'
import { generatePrivateJwk, keySetFromJwks } from '../../src/keys/keyset.ts'
import { createTokenIssuer, createTokenVerifier } from '../../src/tokens/access-token.ts'

const [k1, k2] = [generatePrivateJwk('ES256'), generatePrivateJwk('ES256')]
const old = keySetFromJwks([k1])
const overlap = keySetFromJwks([k2, k1]) // k2 signs, k1 still verifies
const retired = keySetFromJwks([k2]) // k1 removed

let now = 1_800_000_000_000
const opts = { issuer: 'iss-test', audience: 'aud-test', ttlS: 300, now: () => now }
const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url')
const decode = (t: string, i: 0 | 1): Record<string, unknown> =>
  JSON.parse(Buffer.from(t.split('.')[i]!, 'base64url').toString()) as Record<string, unknown>

describe('access tokens', () => {
  it('carry every documented claim and the kid of the current key', () => {
    const { token, claims } = createTokenIssuer(overlap, opts).issue('u1', 's1', ['user'])
    expect(decode(token, 0)).toMatchObject({ alg: 'ES256', kid: k2.kid, typ: 'JWT' })
    const payload = decode(token, 1)
    expect(payload).toEqual(claims)
    expect(Object.keys(payload).toSorted()).toEqual([
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
    expect(payload).toMatchObject({ iss: 'iss-test', aud: 'aud-test', sub: 'u1', sid: 's1', roles: ['user'] })
    expect(payload.iat).toBe(now / 1000)
    expect(payload.exp).toBe(now / 1000 + 300)
    expect(createTokenVerifier(overlap, opts).verify(token)?.sub).toBe('u1')
  })

  it('rotation: a previous key verifies during the overlap, a retired key does not', () => {
    const { token } = createTokenIssuer(old, opts).issue('u1', 's1', ['user'])
    expect(createTokenVerifier(overlap, opts).verify(token)).not.toBeNull()
    expect(createTokenVerifier(retired, opts).verify(token)).toBeNull()
  })

  it('rejects expiry beyond the 5 s leeway, and future nbf/iat beyond 60 s', () => {
    const { token } = createTokenIssuer(old, opts).issue('u1', 's1', [])
    const verifier = createTokenVerifier(old, opts)
    const issuedAt = now
    now = issuedAt + 300_000 + 4_000
    expect(verifier.verify(token)).not.toBeNull()
    now = issuedAt + 300_000 + 6_000
    expect(verifier.verify(token)).toBeNull()
    expect(verifier.check(token)).toEqual({ reason: 'expired' })
    now = issuedAt - 59_000
    expect(verifier.verify(token)).not.toBeNull()
    now = issuedAt - 61_000
    expect(verifier.verify(token)).toBeNull()
    now = issuedAt
  })

  it('rejects wrong issuer or audience, alg none, HMAC, unknown kid, crit and tampering', () => {
    const verifier = createTokenVerifier(old, opts)
    const other = createTokenIssuer(old, { ...opts, issuer: 'evil' }).issue('u1', 's1', []).token
    expect(verifier.verify(other)).toBeNull()
    const otherAud = createTokenIssuer(old, { ...opts, audience: 'evil' }).issue('u1', 's1', []).token
    expect(verifier.verify(otherAud)).toBeNull()

    const { claims, token } = createTokenIssuer(old, opts).issue('u1', 's1', [])
    const none = `${b64({ alg: 'none', kid: k1.kid })}.${b64(claims)}.`
    expect(verifier.verify(none)).toBeNull()
    const hsInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: k1.kid })}.${b64(claims)}`
    const hs = `${hsInput}.${createHmac('sha256', old.current.publicPem).update(hsInput).digest('base64url')}`
    expect(verifier.verify(hs)).toBeNull()
    const foreign = createTokenIssuer(
      keySetFromJwks([{ ...generatePrivateJwk(), kid: 'nobody' }]),
      opts,
    ).issue('u1', 's1', [])
    expect(verifier.verify(foreign.token)).toBeNull()
    const crit = createSigner({
      key: old.current.privatePem,
      algorithm: 'ES256',
      kid: k1.kid,
      header: { alg: 'ES256', crit: ['b64'], b64: true },
    })(claims)
    expect(verifier.verify(crit)).toBeNull()
    const [h, , s] = token.split('.')
    expect(verifier.verify(`${h}.${b64({ ...claims, sub: 'admin' })}.${s}`)).toBeNull()
    expect(verifier.verify('not-a-jwt')).toBeNull()
  })

  it('rejects a token without a required claim', () => {
    const { claims } = createTokenIssuer(old, opts).issue('u1', 's1', [])
    const { sid: _sid, ...noSid } = claims
    const sign = createSigner({ key: old.current.privatePem, algorithm: 'ES256', kid: k1.kid })
    expect(createTokenVerifier(old, opts).verify(sign(noSid))).toBeNull()
  })
})
