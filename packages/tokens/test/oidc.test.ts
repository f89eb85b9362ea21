import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { startOidcProvider, type OidcTestProvider } from '@portcullis/testkit/oidc'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import type { TokenFailure } from '../src/index.ts'
import { hmacSigned, signJwt } from '../src/testing/index.ts'
import {
  BACKCHANNEL_LOGOUT_EVENT,
  createOidcProvider,
  discoverProvider,
  ProviderDiscoveryError,
  type OidcProvider,
  type ProviderTokenKind,
} from '../src/oidc/index.ts'

// The relying-party rules of @portcullis/tokens/oidc against a real provider (oidc-provider on loopback): tokens
// it issues through authorization code + PKCE pass; forged ones, signed with its own key where that matters, fail.

const CLIENT = 'portcullis-web'
const REDIRECT = 'http://127.0.0.1:5173/'
let idp: OidcTestProvider
let other: OidcTestProvider
let rp: OidcProvider

beforeAll(async () => {
  const options = {
    users: [{ username: 'carol', password: 'carol-pw', roles: ['staff'] }],
    clients: [{ clientId: CLIENT, redirectUris: [REDIRECT] }],
    jwtAccessTokenAudience: CLIENT,
  }
  idp = await startOidcProvider(options)
  other = await startOidcProvider(options)
  rp = createOidcProvider({ issuer: idp.issuer, audience: CLIENT })
  if (!(await rp.whenReady(5_000))) throw new Error('the relying party did not discover the provider in 5 s')
})
afterAll(async () => {
  rp.close()
  await Promise.all([idp.close(), other.close()])
})

const nowS = () => Math.floor(Date.now() / 1000)

/** A token "from" a provider: signed with its key (RS256, its kid) unless the header or key says otherwise. */
const forge = (
  provider: OidcTestProvider,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key = provider.signingKey,
) => signJwt({ alg: 'RS256', kid: provider.signingKid, ...header }, payload, key)
const idClaims = (extra: Record<string, unknown> = {}) => ({
  iss: idp.issuer,
  aud: CLIENT,
  sub: 'sub-carol',
  iat: nowS(),
  exp: nowS() + 300,
  ...extra,
})
const logoutClaims = (extra: Record<string, unknown> = {}) => ({
  iss: idp.issuer,
  aud: CLIENT,
  sub: 'sub-carol',
  sid: 'op-session-1',
  jti: `jti-${Math.random()}`,
  iat: nowS(),
  exp: nowS() + 120,
  events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  ...extra,
})

async function outcome(token: string, kind: ProviderTokenKind, nonce?: string): Promise<'ok' | TokenFailure> {
  const result = await rp.verify(token, kind, { nonce })
  return result.ok ? 'ok' : result.failure
}

describe('tokens the provider issues', () => {
  test('an ID token from authorization code + PKCE verifies, with its nonce; its claims come back', async () => {
    const signIn = await idp.signIn({ clientId: CLIENT, redirectUri: REDIRECT, username: 'carol' })
    const result = await rp.verify(signIn.idToken, 'id_token', { nonce: signIn.nonce })
    expect(result).toMatchObject({
      ok: true,
      kid: idp.signingKid,
      claims: { iss: idp.issuer, sub: 'sub-carol', sid: signIn.sid, payload: { roles: ['staff'] } },
    })
    expect(await outcome(signIn.idToken, 'id_token', 'another-nonce')).toBe('nonce')
    // The JWT access token (RFC 9068) verifies as an access token only, and the ID token never as one.
    expect(await outcome(signIn.accessToken, 'access_token')).toBe('ok')
    expect(await outcome(signIn.accessToken, 'id_token')).toBe('token_type')
    expect(await outcome(signIn.idToken, 'access_token')).toBe('token_type')
    // An ID token is no logout token (no events; and it carries a nonce).
    expect(await outcome(signIn.idToken, 'logout_token')).toBe('nonce')
  })

  test('a logout token the provider posts verifies as one', async () => {
    const received: string[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        received.push(new URLSearchParams(body).get('logout_token') ?? '')
        res.writeHead(200).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => void server.close())
    const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/logout`
    const withLogout = await startOidcProvider({
      users: [{ username: 'carol', password: 'pw' }],
      clients: [{ clientId: CLIENT, redirectUris: [REDIRECT], backchannelLogoutUri: uri }],
    })
    onTestFinished(() => withLogout.close())
    const verifier = createOidcProvider({ issuer: withLogout.issuer, audience: CLIENT })
    onTestFinished(() => verifier.close())
    const signIn = await withLogout.signIn({ clientId: CLIENT, redirectUri: REDIRECT, username: 'carol' })
    await withLogout.logout({ clientId: CLIENT, sub: signIn.sub, sid: signIn.sid })
    const [logoutToken = ''] = received
    const result = await verifier.verify(logoutToken, 'logout_token')
    expect(result).toMatchObject({ ok: true, claims: { sub: signIn.sub, sid: signIn.sid } })
    expect(result.ok && result.claims.jti).toBeTruthy()
    expect((await verifier.verify(logoutToken, 'id_token')).ok).toBe(false)
  })
})

describe('attacks', () => {
  test('every forged or foreign ID token is refused with its reason', async () => {
    const { publicKey: foreignPublic, privateKey: foreignKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
    })
    void foreignPublic
    // The classic confusion: the provider's PUBLIC key, as published, used as an HMAC secret.
    const publicPem = createPublicKey(idp.signingKey).export({ format: 'pem', type: 'spki' }).toString()
    const hs256 = hmacSigned(forge(idp, idClaims()), 'HS256', publicPem)
    const fromOther = (await other.signIn({ clientId: CLIENT, redirectUri: REDIRECT, username: 'carol' }))
      .idToken
    const cases: Array<[string, string, TokenFailure]> = [
      ['wrong aud', forge(idp, idClaims({ aud: 'another-client' })), 'audience'],
      ['aud list without azp', forge(idp, idClaims({ aud: [CLIENT, 'another'] })), 'audience'],
      ['azp of another client', forge(idp, idClaims({ azp: 'another' })), 'audience'],
      ['wrong iss', forge(idp, idClaims({ iss: `${idp.issuer}/other` })), 'issuer'],
      ['expired', forge(idp, idClaims({ exp: nowS() - 10, iat: nowS() - 400 })), 'expired'],
      ['issued in the future', forge(idp, idClaims({ iat: nowS() + 120 })), 'not_yet_valid'],
      ['nbf in the future', forge(idp, idClaims({ nbf: nowS() + 120 })), 'not_yet_valid'],
      ['no exp', forge(idp, idClaims({ exp: undefined })), 'claims'],
      ['no sub', forge(idp, idClaims({ sub: undefined })), 'claims'],
      ['alg none', forge(idp, idClaims(), { alg: 'none' }), 'algorithm'],
      ['HS256 with the public key as secret', hs256, 'algorithm'],
      ['RS256 header over a PS256 key claim', forge(idp, idClaims(), { alg: 'PS256' }), 'algorithm'],
      ['unknown kid', forge(idp, idClaims(), { kid: 'no-such-kid' }), 'unknown_kid'],
      ['no kid', forge(idp, idClaims(), { kid: undefined }), 'unknown_kid'],
      ['crit header', forge(idp, idClaims(), { crit: ['exp'] }), 'crit'],
      ['signed by another key under its kid', forge(idp, idClaims(), {}, foreignKey), 'signature'],
      ['a token of a second provider', fromOther, 'issuer'],
      [
        'second provider token re-labelled with our issuer',
        forge(other, idClaims(), { kid: idp.signingKid }),
        'signature',
      ],
      ['typed as an access token', forge(idp, idClaims(), { typ: 'at+jwt' }), 'token_type'],
      ['not a JWS', 'not.a.token', 'malformed'],
      ['too long', `${forge(idp, idClaims())}${'A'.repeat(13_000)}`, 'malformed'],
    ]
    for (const [name, token, failure] of cases)
      expect([name, await outcome(token, 'id_token')]).toEqual([name, failure])
    // The nonce of the flow must be there when one was set.
    expect(await outcome(forge(idp, idClaims()), 'id_token', 'flow-nonce')).toBe('nonce')
    expect(await outcome(forge(idp, idClaims({ nonce: 'flow-nonce' })), 'id_token', 'flow-nonce')).toBe('ok')
    expect(await outcome(forge(idp, idClaims({ aud: [CLIENT, 'x'], azp: CLIENT })), 'id_token')).toBe('ok')
  })

  test('logout tokens: events, jti, sid or sub required; a nonce refused; typed as logout', async () => {
    const cases: Array<[string, string, TokenFailure | 'ok']> = [
      ['valid', forge(idp, logoutClaims(), { typ: 'logout+jwt' }), 'ok'],
      ['sid only', forge(idp, logoutClaims({ sub: undefined })), 'ok'],
      ['with a nonce', forge(idp, logoutClaims({ nonce: 'n' })), 'nonce'],
      ['no events', forge(idp, logoutClaims({ events: undefined })), 'claims'],
      ['events without the logout member', forge(idp, logoutClaims({ events: { other: {} } })), 'claims'],
      ['no jti', forge(idp, logoutClaims({ jti: undefined })), 'claims'],
      ['neither sid nor sub', forge(idp, logoutClaims({ sid: undefined, sub: undefined })), 'claims'],
      ['expired', forge(idp, logoutClaims({ exp: nowS() - 30 })), 'expired'],
      ['wrong aud', forge(idp, logoutClaims({ aud: 'x' })), 'audience'],
      ['typed as an access token', forge(idp, logoutClaims(), { typ: 'at+jwt' }), 'token_type'],
      ['alg none', forge(idp, logoutClaims(), { alg: 'none' }), 'algorithm'],
    ]
    for (const [name, token, failure] of cases)
      expect([name, await outcome(token, 'logout_token')]).toEqual([name, failure])
  })
})

describe('discovery and keys', () => {
  test('discovery refuses a document naming another issuer, and verification answers keys_unavailable until it works', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks` }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => void server.close())
    const impostor = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    await expect(discoverProvider(impostor, { timeoutMs: 1000, maxBytes: 65536 })).rejects.toThrow(
      /names another issuer/,
    )
    const rpOfImpostor = createOidcProvider({ issuer: impostor, audience: CLIENT })
    onTestFinished(() => rpOfImpostor.close())
    expect(await rpOfImpostor.verify(forge(idp, idClaims({ iss: impostor })), 'id_token')).toEqual({
      ok: false,
      failure: 'keys_unavailable',
    })
    expect(rpOfImpostor.status()).toMatchObject({ discovered: false, ready: false })
  })

  test('an unreachable provider: keys_unavailable (a 503), never a 401; then it comes up and tokens pass', async () => {
    const late = createOidcProvider({ issuer: 'http://127.0.0.1:9', audience: CLIENT })
    onTestFinished(() => late.close())
    const failures: ProviderDiscoveryError[] = []
    late.on('discoveryFailed', ({ error }) => failures.push(error))
    expect(await late.verify(forge(idp, idClaims()), 'id_token')).toEqual({
      ok: false,
      failure: 'keys_unavailable',
    })
    await expect.poll(() => failures.length).toBeGreaterThan(0)
    expect(failures[0]).toBeInstanceOf(ProviderDiscoveryError)
    expect(failures[0]?.reason).toBe('network')
  })

  test('discovery: an https issuer with a plaintext JWKS, or only symmetric algorithms, is refused', async () => {
    let doc: Record<string, unknown> = {}
    const server = createServer((_req, res) => res.writeHead(200).end(JSON.stringify(doc)))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => void server.close())
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const discover = () => discoverProvider(url, { timeoutMs: 1000, maxBytes: 65536 })
    doc = { issuer: url, jwks_uri: `${url}/jwks`, id_token_signing_alg_values_supported: ['HS256', 'none'] }
    await expect(discover()).rejects.toThrow(/no asymmetric algorithm/)
    doc = { issuer: url, jwks_uri: `${url}/jwks`, id_token_signing_alg_values_supported: ['HS256', 'PS256'] }
    await expect(discover()).resolves.toMatchObject({ algorithms: ['PS256'], jwksUri: `${url}/jwks` })
    doc = { issuer: url, jwks_uri: 'file:///etc/passwd' }
    await expect(discover()).rejects.toThrow(/jwks_uri is not an http/)
    // The https case, through the issuer name alone (the check compares schemes; nothing is fetched from it).
    doc = { issuer: url, jwks_uri: `${url}/jwks` }
    await expect(discover()).resolves.toMatchObject({ algorithms: ['RS256'] })
  })
})
