import { generateKeyPairSync, randomBytes, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { inject, onTestFinished } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { uniquePrefix } from '@portcullis/testkit'
import { createRedisClient, RedisSessionStore, type RedisClient } from '@portcullis/sessions/redis'
import { captureLogs, type LogCapture } from '@portcullis/telemetry/testing'
import type { Role, SessionStore, TicketGrant } from '@portcullis/sessions'
import { buildApp, type AppDeps } from '../src/app.ts'
import { testConfig, type RealtimeConfig } from '../src/config.ts'

export {
  bearer,
  Client,
  connect,
  open,
  refused,
  type ConnectOptions,
  type Refusal,
} from '@portcullis/testkit/ws'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by @portcullis/testkit's global setup (same declaration as there). */
    redisUrl: string
  }
}

export const ISSUER = 'test-issuer'
export const AUDIENCE = 'test-audience'

type Alg = 'ES256' | 'EdDSA'

/** A test token signer with its own keys and JWKS: forges any token the attack tests need. */
export class Signer {
  readonly keys: Array<{ kid: string; alg: Alg; privateKey: KeyObject; publicKey: KeyObject }> = []

  constructor() {
    this.addKey('ES256')
    this.addKey('EdDSA')
  }

  addKey(alg: Alg, kid = `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`): string {
    const pair =
      alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')
    this.keys.push({ kid, alg, ...pair })
    return kid
  }

  jwks(): { keys: object[] } {
    return {
      keys: this.keys.map((k) => ({
        ...k.publicKey.export({ format: 'jwk' }),
        kid: k.kid,
        alg: k.alg,
        use: 'sig',
      })),
    }
  }

  /** Signs `claims` (defaults: iss, aud, iat, nbf, exp in 60 s, jti) with the key of `alg`. */
  sign(
    claims: Record<string, unknown>,
    options: { alg?: Alg; kid?: string; header?: Record<string, unknown>; key?: KeyObject } = {},
  ): string {
    const alg = options.alg ?? 'ES256'
    const key = this.keys.find((k) => (options.kid ? k.kid === options.kid : k.alg === alg)) ?? this.keys[0]!
    const now = Math.floor(Date.now() / 1000)
    const header = { alg, typ: 'JWT', kid: options.kid ?? key.kid, ...options.header }
    const payload = {
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now,
      nbf: now,
      exp: now + 60,
      jti: randomUUID(),
      ...claims,
    }
    const data = `${b64(header)}.${b64(payload)}`
    const signature =
      alg === 'ES256'
        ? cryptoSign('sha256', Buffer.from(data), {
            key: options.key ?? key.privateKey,
            dsaEncoding: 'ieee-p1363',
          })
        : cryptoSign(null, Buffer.from(data), options.key ?? key.privateKey)
    return `${data}.${signature.toString('base64url')}`
  }
}

export const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

export interface TestApp {
  app: FastifyInstance
  url: string
  origin: string
  config: RealtimeConfig
  store: SessionStore
  signer: Signer
  logs: LogCapture
  /** A raw Redis client on the test server (to tamper with state behind the apps' backs), closed after the test. */
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
  /** A ticket for a login, as the api would mint it. */
  ticket(login: Login, options?: { origin?: string | null; accessExp?: number }): Promise<string>
}

export interface Login {
  userId: string
  username: string
  sid: string
  token: string
  exp: number
}

/** Shared state between two instances of one test: same Redis prefix and signer. */
export interface Shared {
  prefix: string
  signer: Signer
}

export function shared(): Shared {
  return { prefix: uniquePrefix('rt'), signer: new Signer() }
}

/**
 * Starts the realtime app on an ephemeral loopback port with short test timeouts and a store on the test Redis;
 * closes it when the test finishes.
 */
export async function startApp(
  overrides: Partial<RealtimeConfig> = {},
  options: { shared?: Shared; deps?: AppDeps } = {},
): Promise<TestApp> {
  const { prefix, signer } = options.shared ?? shared()
  const redisUrl = overrides.REDIS_URL ?? inject('redisUrl')
  const config = testConfig({
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    ALLOWED_ORIGINS: ['http://app.test'],
    ...overrides,
  })
  const logs = captureLogs()
  const app = await buildApp(config, {
    jwksFetcher: async () => signer.jwks(),
    logStream: logs.stream,
    ...options.deps,
  })
  onTestFinished(async () => {
    await app.close()
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const client = createRedisClient(redisUrl)
  await client.connect()
  const store = new RedisSessionStore({ client, prefix })
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
    return { userId, username, sid, exp, token: signer.sign({ sub: userId, sid, roles, exp }) }
  }
  const ticket: TestApp['ticket'] = async (l, o = {}) => {
    const value = randomBytes(24).toString('base64url')
    const grant: TicketGrant = {
      sid: l.sid,
      userId: l.userId,
      origin: o.origin === undefined ? 'http://app.test' : o.origin,
      accessExp: o.accessExp ?? l.exp * 1000,
      traceparent: null,
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
    signer,
    logs,
    redis: client,
    login,
    ticket,
  }
}
