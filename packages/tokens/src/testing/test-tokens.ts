import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto'
import type { SigningAlg } from '../defaults.ts'
import type { TokenFailure } from '../failures.ts'
import { generatePrivateJwk, keySetFromJwks, jwksDocument, type KeySet } from '../keys/key-set.ts'
import type { JwksDocument } from '../keys/public-key.ts'

/** A key of a `TestTokens` set, with its Node key objects (to forge with). */
export interface TestKey {
  readonly kid: string
  readonly alg: SigningAlg
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** The private JWK, as `SIGNING_KEYS_FILE` holds it. */
  readonly jwk: Record<string, unknown>
}

/** How `token()` builds a token beyond its claims. Everything is allowed: this is for forging attacks. */
export interface ForgeOptions {
  /** Header `alg` (default: the signing key's): any string, e.g. `none`, `HS256`, `RS256`. */
  alg?: string
  /** Header `kid` (default: the signing key's); null leaves it out. */
  kid?: string | null
  /** More header members, e.g. `{ crit: ['exp'] }` or an embedded `jwk`. */
  header?: Record<string, unknown>
  /** The key that signs (default: the first key of `alg`, else the current key). A foreign key forges. */
  signWith?: TestKey | KeyObject
  /** HMAC secret when `alg` is `HS*` (default: the signing key's public PEM: the classic confusion attack). */
  hmacSecret?: string | Buffer
  /** The payload's JSON text as is, instead of `claims(overrides)` (numbers JSON.stringify cannot write). */
  payload?: string
  /** ECDSA signature encoding (default `ieee-p1363`, as JWS requires; `der` is an attack). */
  dsaEncoding?: 'ieee-p1363' | 'der'
}

/** A forged or broken token and the failure every Portcullis verifier must answer it with. */
export interface Attack {
  readonly name: string
  readonly token: string
  readonly failure: TokenFailure
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

function testKey(jwk: Record<string, unknown> & { kid: string; alg: SigningAlg }): TestKey {
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' })
  return { kid: jwk.kid, alg: jwk.alg, privateKey, publicKey: createPublicKey(privateKey), jwk }
}

/**
 * Keys and tokens for tests: a key set (ES256 and EdDSA by default) with its JWKS, valid tokens with any claims,
 * and every attack token of the verifier rules (`attacks()`). Signs with `node:crypto` directly so that any
 * header, claim or signature can be forged.
 * @example
 * const tokens = new TestTokens({ issuer: 'test-issuer', audience: 'test-audience' })
 * const jwks = await serveJwks(() => tokens.jwks())
 * const token = tokens.token({ sub: 'u_alice', sid: 'sid-1' })
 */
export class TestTokens {
  readonly issuer: string
  readonly audience: string
  /** Current (signing) key first. */
  keys: TestKey[] = []
  #keySet: KeySet | null = null

  constructor(options: { issuer?: string; audience?: string; algs?: SigningAlg[] } = {}) {
    this.issuer = options.issuer ?? 'test-issuer'
    this.audience = options.audience ?? 'test-audience'
    for (const alg of options.algs ?? ['ES256', 'EdDSA']) this.addKey(alg)
  }

  /** Adds a key (appended, or made current), as a rotation would. */
  addKey(alg: SigningAlg = 'ES256', options: { kid?: string; current?: boolean } = {}): TestKey {
    const jwk = { ...generatePrivateJwk(alg), ...(options.kid ? { kid: options.kid } : {}) }
    const key = testKey(jwk as Record<string, unknown> & { kid: string; alg: SigningAlg })
    this.keys = options.current ? [key, ...this.keys] : [...this.keys, key]
    this.#keySet = null
    return key
  }

  /** Removes a key: the JWKS stops publishing it. */
  removeKey(kid: string): void {
    this.keys = this.keys.filter((k) => k.kid !== kid)
    this.#keySet = null
  }

  /** The keys as the api's `KeySet` (for `createIssuer`, or a verifier without a JWKS). */
  get keySet(): KeySet {
    this.#keySet ??= keySetFromJwks(this.keys.map((k) => k.jwk))
    return this.#keySet
  }

  /** The public JWKS document of the current keys. */
  jwks(): JwksDocument {
    return jwksDocument(this.keySet)
  }

  /** Valid claims (`sub` u_test, a random `sid`, roles `user`, `exp` in 60 s) with `overrides` (undefined drops one). */
  claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000)
    return {
      iss: this.issuer,
      aud: this.audience,
      sub: 'u_test',
      sid: randomBytes(12).toString('base64url'),
      roles: ['user'],
      iat: now,
      nbf: now,
      exp: now + 60,
      jti: randomUUID(),
      ...overrides,
    }
  }

  /** A compact JWS of `claims(overrides)`, built as `options` say (by default a valid ES256 token). */
  token(overrides: Record<string, unknown> = {}, options: ForgeOptions = {}): string {
    const fallback = this.keys.find((k) => k.alg === options.alg) ?? this.keys[0]
    const signer = options.signWith ?? fallback
    if (!signer) throw new Error('TestTokens: no key to sign with')
    const key = 'privateKey' in signer ? signer.privateKey : signer
    const alg =
      options.alg ?? ('alg' in signer ? signer.alg : key.asymmetricKeyType === 'ed25519' ? 'EdDSA' : 'ES256')
    const kid = options.kid === undefined ? ('kid' in signer ? signer.kid : fallback?.kid) : options.kid
    const header = { alg, typ: 'JWT', ...(kid === null ? {} : { kid }), ...options.header }
    const payload = options.payload ?? JSON.stringify(this.claims(overrides))
    const data = `${b64(header)}.${Buffer.from(payload).toString('base64url')}`
    return `${data}.${this.#signature(data, alg, key, options)}`
  }

  #signature(data: string, alg: string, key: KeyObject, options: ForgeOptions): string {
    if (alg === 'none') return ''
    if (alg.startsWith('HS')) {
      const secret = options.hmacSecret ?? createPublicKey(key).export({ format: 'pem', type: 'spki' })
      return createHmac(`sha${alg.slice(2)}`, secret)
        .update(data)
        .digest('base64url')
    }
    const bytes = Buffer.from(data)
    const signature =
      key.asymmetricKeyType === 'ed25519'
        ? sign(null, bytes, key)
        : sign('sha256', bytes, { key, dsaEncoding: options.dsaEncoding ?? 'ieee-p1363' })
    return signature.toString('base64url')
  }

  /** Every attack of the verifier rules, each with the failure it must get. */
  attacks(): Attack[] {
    const es = this.#keyOf('ES256')
    const ed = this.#keyOf('EdDSA')
    const now = Math.floor(Date.now() / 1000)
    const foreign = testKey(
      generatePrivateJwk('ES256') as Record<string, unknown> & { kid: string; alg: SigningAlg },
    )
    const valid = this.token()
    const [h, p, s] = valid.split('.') as [string, string, string]
    const infiniteExp = JSON.stringify(this.claims()).replace(/"exp":\d+/, '"exp":1e999')
    const forged = (claims: Record<string, unknown>) => `${h}.${b64(this.claims(claims))}.${s}`
    const list: Array<[string, string, TokenFailure]> = [
      ['alg none, no signature', this.token({}, { alg: 'none' }), 'algorithm'],
      ['alg none with a signature', `${this.token({}, { alg: 'none' })}${s}`, 'algorithm'],
      [
        'HS256 keyed with the public key (confusion)',
        this.token({}, { alg: 'HS256', signWith: es }),
        'algorithm',
      ],
      ['HS512 keyed with the public key', this.token({}, { alg: 'HS512', signWith: es }), 'algorithm'],
      ['RS256 header', this.token({}, { alg: 'RS256', signWith: es }), 'algorithm'],
      ['ES384 header', this.token({}, { alg: 'ES384', signWith: es }), 'algorithm'],
      ['lower-case es256', this.token({}, { alg: 'es256', signWith: es }), 'algorithm'],
      ['no alg', this.token({}, { header: { alg: undefined }, signWith: es }), 'algorithm'],
      [
        'ES256 header on the EdDSA key',
        this.token({}, { alg: 'ES256', kid: ed.kid, signWith: es }),
        'algorithm',
      ],
      [
        'EdDSA header on the ES256 key',
        this.token({}, { alg: 'EdDSA', kid: es.kid, signWith: ed }),
        'algorithm',
      ],
      ['crit exp', this.token({}, { header: { crit: ['exp'] } }), 'crit'],
      ['crit b64 false (RFC 7797)', this.token({}, { header: { crit: ['b64'], b64: false } }), 'crit'],
      ['empty crit', this.token({}, { header: { crit: [] } }), 'crit'],
      ['unknown kid', this.token({}, { kid: 'not-a-key' }), 'unknown_kid'],
      ['no kid', this.token({}, { kid: null }), 'unknown_kid'],
      ['numeric kid', this.token({}, { header: { kid: 7 } }), 'unknown_kid'],
      ['path in kid', this.token({}, { kid: '../../../etc/passwd' }), 'unknown_kid'],
      [
        'own key embedded (jwk header) under an unknown kid',
        this.token({}, { signWith: foreign, header: { jwk: foreign.jwk }, kid: foreign.kid }),
        'unknown_kid',
      ],
      [
        'own key embedded (jwk header) under a known kid',
        this.token({}, { signWith: foreign, kid: es.kid, header: { jwk: foreign.jwk } }),
        'signature',
      ],
      [
        'jku pointing elsewhere',
        this.token({}, { signWith: foreign, kid: es.kid, header: { jku: 'http://evil.test/jwks' } }),
        'signature',
      ],
      [
        'signed by a foreign key with a known kid',
        this.token({}, { signWith: foreign, kid: es.kid }),
        'signature',
      ],
      ['payload tampered (admin role)', forged({ roles: ['user', 'admin'] }), 'signature'],
      ['payload tampered (other user)', forged({ sub: 'u_other' }), 'signature'],
      ['signature of another token', `${h}.${p}.${this.token().split('.')[2]}`, 'signature'],
      ['signature bytes flipped', `${h}.${p}.${s.slice(0, -4)}AAAA`, 'signature'],
      ['signature missing', `${h}.${p}.`, 'signature'],
      ['DER-encoded ES256 signature', this.token({}, { signWith: es, dsaEncoding: 'der' }), 'signature'],
      ['EdDSA signature bytes flipped', `${this.token({}, { signWith: ed }).slice(0, -4)}AAAA`, 'signature'],
      ['wrong iss', this.token({ iss: 'https://evil.test' }), 'issuer'],
      ['iss differs in case', this.token({ iss: this.issuer.toUpperCase() }), 'issuer'],
      ['wrong aud', this.token({ aud: 'another-service' }), 'audience'],
      ['aud list without ours', this.token({ aud: ['a', 'b'] }), 'audience'],
      ['no iss', this.token({ iss: undefined }), 'claims'],
      ['no aud', this.token({ aud: undefined }), 'claims'],
      ['no exp', this.token({ exp: undefined }), 'claims'],
      ['exp as a string', this.token({ exp: String(now + 60) }), 'claims'],
      ['exp out of range (1e999 is Infinity)', this.token({}, { payload: infiniteExp }), 'claims'],
      ['no sub', this.token({ sub: undefined }), 'claims'],
      ['sub with a space', this.token({ sub: 'u alice' }), 'claims'],
      ['sub too long', this.token({ sub: 'u'.repeat(65) }), 'claims'],
      ['no sid', this.token({ sid: undefined }), 'claims'],
      ['no roles', this.token({ roles: undefined }), 'claims'],
      ['unknown role', this.token({ roles: ['user', 'root'] }), 'claims'],
      ['roles as a string', this.token({ roles: 'admin' }), 'claims'],
      ['no jti', this.token({ jti: undefined }), 'claims'],
      ['no iat', this.token({ iat: undefined }), 'claims'],
      ['no nbf', this.token({ nbf: undefined }), 'claims'],
      ['expired 6 s ago (leeway is 5 s)', this.token({ exp: now - 6 }), 'expired'],
      ['expired an hour ago', this.token({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 }), 'expired'],
      ['nbf 2 minutes ahead', this.token({ nbf: now + 120, exp: now + 300 }), 'not_yet_valid'],
      ['iat 2 minutes ahead', this.token({ iat: now + 120, exp: now + 300 }), 'not_yet_valid'],
      ['empty string', '', 'malformed'],
      ['not a JWS', 'not-a-jwt', 'malformed'],
      ['two segments', `${h}.${p}`, 'malformed'],
      ['four segments', `${h}.${p}.${s}.${s}`, 'malformed'],
      ['header not JSON', `${Buffer.from('{alg').toString('base64url')}.${p}.${s}`, 'malformed'],
      ['header a JSON array', `${b64(['ES256'])}.${p}.${s}`, 'malformed'],
      ['payload a JSON array', `${h}.${b64([1])}.${s}`, 'malformed'],
      ['standard base64 (+/=)', `${h}.${p}+/=.${s}`, 'malformed'],
      ['over 8192 characters', `${h}.${p}${'A'.repeat(8200)}.${s}`, 'malformed'],
    ]
    return list.map(([name, token, failure]) => ({ name, token, failure }))
  }

  #keyOf(alg: SigningAlg): TestKey {
    const key = this.keys.find((k) => k.alg === alg)
    if (!key) throw new Error(`TestTokens: attacks() needs an ${alg} key`)
    return key
  }
}
