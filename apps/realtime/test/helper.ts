import { randomBytes } from 'node:crypto'
import { inject, onTestFinished } from 'vitest'
import type { FastifyInstance } from 'fastify'
import type { Role } from '@portcullis/protocol'
import { uniquePrefix } from '@portcullis/testkit'
import {
  connectRedis,
  createRedisClient,
  RedisSessionStore,
  redisTarget,
  whenReady,
  type RedisClient,
} from '@portcullis/sessions/redis'
import { captureLogs, type LogCapture } from '@portcullis/telemetry/testing'
import type { SessionStore, TicketGrant } from '@portcullis/sessions'
import { serveJwks, TestTokens, type JwksServer } from '@portcullis/tokens/testing'
import { buildApp, type AppDeps } from '../src/app.ts'
import { testConfig, type RealtimeConfig } from '../src/config.ts'

export { bearer, Client, connect, open, refused } from '@portcullis/testkit/ws'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by @portcullis/testkit's global setup (same declaration as there). */
    redisUrl: string
  }
}

export const ISSUER = 'test-issuer'
export const AUDIENCE = 'test-audience'

export interface TestApp {
  app: FastifyInstance
  url: string
  origin: string
  config: RealtimeConfig
  store: SessionStore
  /** Keys (ES256 and EdDSA), valid and forged tokens (`@portcullis/tokens/testing`): the api's role in these tests. */
  tokens: TestTokens
  /** The JWKS of `tokens` over real HTTP on loopback (JWKS_URL): `down()`, `up()`, `status` simulate the api. */
  jwks: JwksServer
  logs: LogCapture
  /**
   * A raw Redis client on the test server (to tamper with state behind the apps' backs), closed after the test.
   * Always the project's one node, also when the app runs on a cluster (REDIS_CLUSTER_NODES).
   */
  redis: RedisClient
  /** A user with a live session and a valid access token. */
  login(
    userId?: string,
    roles?: Role[],
    options?: {
      expS?: number
      username?: string
      /** The session's absolute end, from now. */ sessionEndsInMs?: number
    },
  ): Promise<Login>
  /** A ticket for a login, as the api would mint it (with the kid of the login's token). */
  ticket(
    login: Login,
    options?: { origin?: string | null; accessExp?: number; kid?: string | null },
  ): Promise<string>
}

export interface Login {
  userId: string
  username: string
  sid: string
  token: string
  exp: number
  /** The key that signed `token`. */
  kid: string
}

/** Shared state between instances of one test: same Redis prefix, keys and JWKS endpoint (one api). */
export interface Shared {
  prefix: string
  tokens: TestTokens
  /** Started by the first `startApp` of this shared state (closed when the test finishes). */
  jwks: Promise<JwksServer> | null
}

export function shared(): Shared {
  return {
    prefix: uniquePrefix('rt'),
    tokens: new TestTokens({ issuer: ISSUER, audience: AUDIENCE }),
    jwks: null,
  }
}

/** The JWKS endpoint of `s` (the api of these tests), started on first use. */
export function jwksOf(s: Shared): Promise<JwksServer> {
  if (!s.jwks) {
    s.jwks = serveJwks(() => s.tokens.jwks())
    onTestFinished(async () => (await s.jwks)?.close())
  }
  return s.jwks
}

/**
 * Starts the realtime app on an ephemeral loopback port with short test timeouts and a store on the test Redis;
 * closes it when the test finishes.
 */
export async function startApp(
  overrides: Partial<RealtimeConfig> = {},
  options: { shared?: Shared; deps?: AppDeps } = {},
): Promise<TestApp> {
  const s = options.shared ?? shared()
  const { prefix, tokens } = s
  const jwks = await jwksOf(s)
  const redisUrl = overrides.REDIS_URL ?? inject('redisUrl')
  const config = testConfig({
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_URL: jwks.url,
    ALLOWED_ORIGINS: ['http://app.test'],
    ...overrides,
  })
  const logs = captureLogs()
  const app = await buildApp(config, { logStream: logs.stream, ...options.deps })
  onTestFinished(async () => {
    await app.close()
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const client = createRedisClient(redisUrl)
  await client.connect()
  // The test's own store on the app's Redis (one node, or the cluster of REDIS_CLUSTER_NODES).
  const storeRedis = connectRedis(redisTarget(config))
  if (!(await whenReady(storeRedis, 10_000))) throw new Error('test store: Redis not ready')
  const store = new RedisSessionStore({ redis: storeRedis, prefix, ownsRedis: true })
  onTestFinished(async () => {
    await store.close()
    await client.close()
  })

  const login: TestApp['login'] = async (
    userId = `u${randomBytes(4).toString('hex')}`,
    roles = ['user'],
    o = {},
  ) => {
    const sid = randomBytes(12).toString('base64url')
    const username = o.username ?? `name-${userId}`
    const now = Date.now()
    await store.createSession({
      sid,
      userId,
      username,
      createdAt: now,
      expiresAt: now + (o.sessionEndsInMs ?? 3_600_000),
      endsAt: now + (o.sessionEndsInMs ?? 3_600_000),
    })
    await store.setRoles(userId, roles)
    const exp = Math.floor(now / 1000) + (o.expS ?? 60)
    const key = tokens.keys[0]!
    const token = tokens.token({ sub: userId, sid, roles, exp }, { signWith: key })
    return { userId, username, sid, exp, token, kid: key.kid }
  }
  const ticket: TestApp['ticket'] = async (l, o = {}) => {
    const value = randomBytes(24).toString('base64url')
    const grant: TicketGrant = {
      sid: l.sid,
      userId: l.userId,
      origin: o.origin === undefined ? 'http://app.test' : o.origin,
      accessExp: o.accessExp ?? l.exp * 1000,
      traceparent: null,
      ...(o.kid === null ? {} : { kid: o.kid ?? l.kid }),
    }
    await store.saveTicket(value, grant, 30)
    return value
  }
  return {
    app,
    url: `ws://127.0.0.1:${port}/v1/ws`,
    origin: 'http://app.test',
    config,
    store,
    tokens,
    jwks,
    logs,
    redis: client,
    login,
    ticket,
  }
}
