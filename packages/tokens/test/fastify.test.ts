import fastifyJwt from '@fastify/jwt'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { describe, expect, onTestFinished, test } from 'vitest'
import {
  createIssuer,
  createJwksSource,
  createVerifier,
  tokenFailureOf,
  wireError,
  type TokenVerifier,
  type VerifyResult,
} from '../src/index.ts'
import { fastifyJwtOptions, type FastifyJwtOptionsInput } from '../src/fastify.ts'
import { JwksServer, TestTokens } from '../src/testing/index.ts'

/** Verifies the bearer token; a refusal becomes its wire error (plus the failure, for these tests). */
async function authenticate(request: FastifyRequest, reply: FastifyReply) {
  try {
    await request.jwtVerify()
  } catch (err) {
    const failure = tokenFailureOf(err)
    if (!failure) throw err
    const { status, error, retryAfterS } = wireError(failure)
    if (retryAfterS) reply.header('retry-after', retryAfterS)
    // `failure` is in the body for this test only: a real service logs it and sends `{ error }`.
    return reply.code(status).send({ error, failure })
  }
}

/** A service as the guide builds it: @fastify/jwt with the package's options, refusals mapped by `wireError`. */
async function service(
  verifier: TokenVerifier,
  options: FastifyJwtOptionsInput = {},
): Promise<FastifyInstance> {
  const app = Fastify()
  onTestFinished(() => app.close())
  await app.register(fastifyJwt, fastifyJwtOptions(verifier, options))
  app.get('/me', { onRequest: authenticate }, async (request) => request.user)
  return app
}

/** What the plain verifier says, in the shape the service answers. */
function expected(result: VerifyResult): { status: number; body: unknown } {
  if (result.ok) return { status: 200, body: { claims: result.claims, kid: result.kid } }
  return {
    status: wireError(result.failure).status,
    body: { error: wireError(result.failure).error, failure: result.failure },
  }
}

async function viaFastify(app: FastifyInstance, headers: Record<string, string>) {
  const res = await app.inject({ method: 'GET', url: '/me', headers })
  return { status: res.statusCode, body: res.json() as unknown }
}

describe('@fastify/jwt registered with fastifyJwtOptions', () => {
  const tokens = new TestTokens({ issuer: 'https://api.test', audience: 'portcullis' })

  test('answers every attack exactly as verifier.verify does (same failure), and accepts what it accepts', async () => {
    const verifier = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys: tokens.keySet })
    const app = await service(verifier)
    const now = Math.floor(Date.now() / 1000)
    const accepted = [
      tokens.token(),
      tokens.token({}, { alg: 'EdDSA' }),
      tokens.token({ aud: ['other', tokens.audience] }),
      tokens.token({ nbf: now + 50, iat: now + 50 }),
      tokens.token({ exp: now - 3 }),
      tokens.token({ extra: 'ignored' }),
    ]
    const attacks = tokens.attacks()
    expect(attacks.length).toBeGreaterThan(50)
    for (const token of accepted) {
      const plain = await verifier.verify(token)
      expect(plain.ok).toBe(true)
      expect(await viaFastify(app, { authorization: `Bearer ${token}` })).toEqual(expected(plain))
    }
    for (const attack of attacks) {
      const plain = await verifier.verify(attack.token)
      expect({ name: attack.name, result: plain }).toEqual({
        name: attack.name,
        result: { ok: false, failure: attack.failure },
      })
      expect({
        name: attack.name,
        ...(await viaFastify(app, { authorization: `Bearer ${attack.token}` })),
      }).toEqual({
        name: attack.name,
        ...expected(plain),
      })
    }
  })

  test('no credential is 401 missing_credentials; a broken Authorization header is malformed', async () => {
    const verifier = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys: tokens.keySet })
    const app = await service(verifier)
    const missing = { status: 401, body: { error: 'missing_credentials', failure: 'missing' } }
    const malformed = { status: 401, body: { error: 'invalid_token', failure: 'malformed' } }
    expect(await viaFastify(app, {})).toEqual(missing)
    expect(await viaFastify(app, { authorization: 'Basic YWxpY2U6cHc=' })).toEqual(missing)
    expect(await viaFastify(app, { authorization: 'Bearer' })).toEqual(malformed)
    expect(await viaFastify(app, { authorization: 'Bearer a b' })).toEqual(malformed)
    expect(await viaFastify(app, { authorization: `bearer ${tokens.token()}` })).toMatchObject({
      status: 200,
    })
  })

  test('a custom extractToken supplies the credential (realtime: subprotocol, query)', async () => {
    const verifier = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys: tokens.keySet })
    const app = await service(verifier, {
      extractToken: (request) => request.headers['x-token'] as string | undefined,
    })
    expect(await viaFastify(app, { 'x-token': tokens.token() })).toMatchObject({ status: 200 })
    expect(await viaFastify(app, { authorization: `Bearer ${tokens.token()}` })).toMatchObject({
      body: { failure: 'missing' },
    })
  })

  test('trusted: false refuses (untrusted, 401); what it throws passes through unchanged', async () => {
    const verifier = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys: tokens.keySet })
    const seen: string[] = []
    const app = await service(verifier, {
      trusted: async (_request, token) => {
        seen.push(token.claims.sid)
        if (token.claims.sid === 'store-down')
          throw Object.assign(new Error('store down'), { statusCode: 503 })
        return token.claims.sid !== 'revoked'
      },
    })
    expect(await viaFastify(app, { authorization: `Bearer ${tokens.token({ sid: 'live' })}` })).toMatchObject(
      { status: 200 },
    )
    expect(await viaFastify(app, { authorization: `Bearer ${tokens.token({ sid: 'revoked' })}` })).toEqual({
      status: 401,
      body: { error: 'invalid_token', failure: 'untrusted' },
    })
    const down = await app.inject({
      url: '/me',
      headers: { authorization: `Bearer ${tokens.token({ sid: 'store-down' })}` },
    })
    expect(down.statusCode).toBe(503)
    // Only verified tokens reach the hook.
    expect(
      await viaFastify(app, { authorization: `Bearer ${tokens.token({ sid: 'x', exp: 1 })}` }),
    ).toMatchObject({ status: 401 })
    expect(seen).toEqual(['live', 'revoked', 'store-down'])
  })

  test('keys that cannot be had are 503 unavailable with Retry-After, never 401', async () => {
    const jwks = await JwksServer.reserve(() => tokens.jwks())
    const keys = createJwksSource({ url: jwks.url })
    onTestFinished(() => keys.close())
    const verifier = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys })
    const app = await service(verifier)
    const res = await app.inject({ url: '/me', headers: { authorization: `Bearer ${tokens.token()}` } })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('2')
    expect(res.json()).toEqual({ error: 'unavailable', failure: 'keys_unavailable' })
  })

  test('signs with the issuer key: fastify.jwt.sign(issuer.claims(...)) is a token the verifier accepts', async () => {
    const issuer = createIssuer(tokens.keySet, {
      issuer: tokens.issuer,
      audience: tokens.audience,
      ttlS: 300,
    })
    const verifier = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys: tokens.keySet })
    const app = await service(verifier, { issuer })
    await app.ready()
    const claims = issuer.claims({ sub: 'u_alice', sid: 'sid-1', roles: ['user', 'admin'] })
    const token = app.jwt.sign(claims)
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      unknown
    >
    expect(header).toEqual({ alg: issuer.key.alg, typ: 'JWT', kid: issuer.key.kid })
    expect(await verifier.verify(token)).toEqual({ ok: true, claims, kid: issuer.key.kid })
    expect(await viaFastify(app, { authorization: `Bearer ${token}` })).toEqual({
      status: 200,
      body: { claims, kid: issuer.key.kid },
    })
  })

  test('fastify.jwt.verify() outside a request fails with a pointer to verifier.verify, never accepts', async () => {
    const verifier = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys: tokens.keySet })
    const app = await service(verifier)
    await app.ready()
    const verify = app.jwt.verify as unknown as (token: string) => Promise<unknown>
    await expect(verify(tokens.token())).rejects.toMatchObject({
      originalError: { message: expect.stringMatching(/use verifier\.verify/) },
    })
  })

  test('refuses to build options without a verifier', () => {
    expect(() => fastifyJwtOptions({} as TokenVerifier)).toThrow(/verifier/)
  })
})
