// Bearer authentication is @fastify/jwt configured by @portcullis/tokens (plugins/app/auth.ts): every forged token
// of the package's attack list is refused with the same public 401 and the right logged reason; a valid token of
// a revoked session too; the live-session check fails closed (503) while the store is unreachable.
import { TestTokens } from '@portcullis/tokens/testing'
import { startRedisServer } from '@portcullis/testkit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { bearer, buildTestApp, claimsOf, loginAs } from '../../helper.ts'

async function setup(env: Record<string, string> = {}) {
  const tokens = new TestTokens({ issuer: 'https://api.test', audience: 'portcullis-test' })
  const built = await buildTestApp(
    { JWT_ISSUER: tokens.issuer, JWT_AUDIENCE: tokens.audience, ...env },
    { keys: tokens.keySet },
  )
  const ticket = (token: string) =>
    built.app.inject({ method: 'POST', url: '/v1/auth/ws-ticket', headers: bearer(token) })
  const rejections = () => built.logs.lines().filter((l) => l.event === 'auth.token.rejected')
  return { ...built, tokens, ticket, rejections }
}

describe('bearer authentication (@fastify/jwt)', () => {
  it('accepts a token of the key set for a live session, whichever key signed it', async () => {
    const { app, tokens, ticket } = await setup()
    const alice = await loginAs(app, 'alice')
    expect(claimsOf(alice.accessToken)).toMatchObject({ iss: tokens.issuer, aud: tokens.audience })
    expect((await ticket(alice.accessToken)).statusCode).toBe(200)
    const { sub, sid } = claimsOf(alice.accessToken)
    for (const alg of ['ES256', 'EdDSA'] as const)
      expect((await ticket(tokens.token({ sub, sid }, { alg }))).statusCode, alg).toBe(200)
  })

  it('refuses every attack of the tokens package with 401 unauthorized, logging its failure', async () => {
    const { app, tokens, ticket, rejections } = await setup()
    const alice = await loginAs(app, 'alice')
    const { sub, sid } = claimsOf(alice.accessToken)
    const attacks = tokens.attacks()
    expect(attacks.length).toBeGreaterThan(50)
    for (const attack of attacks) {
      const res = await ticket(attack.token)
      expect(res.statusCode, attack.name).toBe(401)
      expect(res.json(), attack.name).toEqual({
        error: 'unauthorized',
        message: 'missing, invalid or expired access token',
      })
      expect(rejections().at(-1)?.reason, attack.name).toBe(attack.failure)
    }
    // A token naming alice's own live session, signed by a foreign key under our kid: refused by its signature.
    const foreign = new TestTokens({ algs: ['ES256'] }).keys[0]!
    const forged = tokens.token({ sub, sid }, { signWith: foreign, kid: tokens.keys[0]!.kid })
    expect((await ticket(forged)).statusCode).toBe(401)
    expect(rejections().at(-1)?.reason).toBe('signature')
    // No header, another scheme, an empty bearer.
    for (const headers of [
      {},
      { authorization: `Basic ${alice.accessToken}` },
      { authorization: 'Bearer ' },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/v1/auth/ws-ticket', headers })
      expect(res.statusCode).toBe(401)
    }
    expect(
      rejections()
        .slice(-3)
        .map((l) => l.reason),
    ).toEqual(['missing', 'missing', 'malformed'])
    expect((await ticket(alice.accessToken)).statusCode).toBe(200)
  })

  it('refuses a valid token whose session is revoked (or unknown, or another user’s), with reason revoked', async () => {
    const { app, tokens, ticket, rejections } = await setup()
    const alice = await loginAs(app, 'alice')
    const { sub, sid } = claimsOf(alice.accessToken)
    await app.store.revokeSession(sid, 'admin')
    expect((await ticket(alice.accessToken)).statusCode).toBe(401)
    expect(rejections().at(-1)).toMatchObject({ reason: 'revoked', ip: '127.0.0.1' })
    const bob = await loginAs(app, 'bob')
    const stolen = tokens.token({ sub, sid: claimsOf(bob.accessToken).sid })
    expect((await ticket(stolen)).statusCode).toBe(401)
    expect((await ticket(tokens.token({ sub, sid: 'no-such-session' }))).statusCode).toBe(401)
    expect(
      rejections()
        .slice(-2)
        .map((l) => l.reason),
    ).toEqual(['revoked', 'revoked'])
  })

  it('a store outage during the session check is 503 store_unavailable, never 401', async () => {
    const server = await startRedisServer()
    onTestFinished(() => server.stop())
    const { app, ticket, rejections } = await setup({ REDIS_URL: server.url })
    const alice = await loginAs(app, 'alice')
    await server.kill()
    const res = await ticket(alice.accessToken)
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ error: 'store_unavailable' })
    expect(rejections()).toEqual([])
  })
})
