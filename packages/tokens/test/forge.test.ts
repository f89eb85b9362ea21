import { createHmac, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import {
  algNone,
  decodeJwt,
  encodeJwt,
  hmacSigned,
  keyConfusionSecrets,
  selfSigned,
  withClaims,
  withHeader,
} from '../src/testing/forge.ts'

// A genuine-looking ES256 token from a key the test holds, to check the forgeries are what they claim to be.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const data = `${b64({ alg: 'ES256', typ: 'JWT', kid: 'k1' })}.${b64({ sub: 'u_alice', aud: 'portcullis', exp: 2_000_000_000 })}`
const TOKEN = `${data}.${sign('sha256', Buffer.from(data), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`

describe('forgeries', () => {
  test('decode and encode round-trip; a non-JWS is rejected', () => {
    const d = decodeJwt(TOKEN)
    expect(d.header).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'k1' })
    expect(encodeJwt(d.header, d.payload, d.signature)).toBe(TOKEN)
    expect(() => decodeJwt('a.b')).toThrow(/three dot-separated parts/)
  })

  test('alg none drops the signature (or keeps it); claims and header changes keep the original signature', () => {
    expect(algNone(TOKEN, 'NONE').split('.')[2]).toBe('')
    expect(decodeJwt(algNone(TOKEN, 'none', true))).toMatchObject({
      header: { alg: 'none' },
      signature: decodeJwt(TOKEN).signature,
    })
    const tampered = decodeJwt(withClaims(TOKEN, { aud: 'other', exp: undefined }))
    expect(tampered.payload).toEqual({ sub: 'u_alice', aud: 'other' })
    expect(tampered.signature).toBe(decodeJwt(TOKEN).signature)
    expect(decodeJwt(withHeader(TOKEN, { kid: 'x' })).header.kid).toBe('x')
  })

  test('key confusion: a valid HMAC under the public key in each common encoding', () => {
    const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey
    const forms = keyConfusionSecrets(jwk)
    expect(forms.map(([name]) => name)).toEqual(['PEM', 'PEM without final newline', 'DER', 'JWK JSON'])
    expect(String(forms[0]![1])).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n$/)
    const forged = hmacSigned(TOKEN, 'HS384', forms[0]![1])
    const [h, p, s] = forged.split('.')
    expect(decodeJwt(forged).header.alg).toBe('HS384')
    expect(s).toBe(createHmac('sha384', forms[0]![1]).update(`${h}.${p}`).digest('base64url'))
  })

  test('self-signed tokens verify with the attacker key they embed, under a kid of their choice', () => {
    const token = selfSigned({ sub: 'u_alice' }, { kid: 'k1' }, 'jwk')
    const { header, signature } = decodeJwt(token)
    expect(header).toMatchObject({ alg: 'ES256', kid: 'k1' })
    const key = createPublicKey({ key: header.jwk as JsonWebKey, format: 'jwk' })
    const signed = token.slice(0, token.lastIndexOf('.'))
    expect(
      verify(
        'sha256',
        Buffer.from(signed),
        { key, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true)
    expect(decodeJwt(selfSigned({}, {}, 'jku')).header.jku).toBe(
      'https://attacker.invalid/.well-known/jwks.json',
    )
    expect(decodeJwt(selfSigned({})).header.kid).toMatch(/^conformance-[0-9a-f]{12}$/)
  })
})
