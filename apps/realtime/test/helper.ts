import { generateKeyPairSync, randomBytes, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { Writable } from 'node:stream'
import { inject, onTestFinished } from 'vitest'
import { WebSocket, type ClientOptions } from 'ws'
import type { FastifyInstance } from 'fastify'
import { uniquePrefix } from '@portcullis/testkit'
import { createRedisClient, RedisSessionStore } from '@portcullis/sessions/redis'
import type { Role, SessionStore, TicketGrant } from '@portcullis/sessions'
import { buildApp, type AppDeps } from '../src/app.ts'
import { testConfig, type RealtimeConfig } from '../src/config.ts'

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

/** Collected JSON log lines of an app. */
export class LogCapture extends Writable {
  readonly lines: string[] = []
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean))
    done()
  }
  events(name: string): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === name)
  }
}

export interface TestApp {
  app: FastifyInstance
  url: string
  origin: string
  config: RealtimeConfig
  store: SessionStore
  signer: Signer
  logs: LogCapture
  /** A user with a live session and a valid access token. */
  login(userId?: string, roles?: Role[], options?: { expS?: number; username?: string }): Promise<Login>
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
  const logs = new LogCapture()
  const app = await buildApp(config, {
    jwksFetcher: async () => signer.jwks(),
    logStream: logs,
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
  const store = new RedisSessionStore({ client, prefix, ownsClient: true })
  onTestFinished(async () => {
    await store.close()
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
      expiresAt: now + 3_600_000,
      endsAt: now + 3_600_000,
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
    login,
    ticket,
  }
}

export interface Refusal {
  status: number
  body: Record<string, unknown>
  headers: Record<string, string | string[] | undefined>
}

/** An open client socket that records every server frame and its close. */
export class Client {
  readonly frames: Array<Record<string, unknown>> = []
  readonly closed: Promise<{ code: number; reason: string }>
  readonly ws: WebSocket
  #waiters: Array<() => void> = []

  constructor(ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>)
      for (const w of this.#waiters) w()
    })
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() })
        for (const w of this.#waiters) w()
      }),
    )
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value))
  }

  /** Resolves with the first frame (after `from`) matching `match`; rejects after `timeoutMs`. */
  async next(
    match: Record<string, unknown> | ((f: Record<string, unknown>) => boolean),
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    const test =
      typeof match === 'function'
        ? match
        : (f: Record<string, unknown>) => Object.entries(match).every(([k, v]) => f[k] === v)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.frames.find(test)
      if (found) return found
      if (Date.now() > deadline)
        throw new Error(`no frame matching ${JSON.stringify(match)}; got ${JSON.stringify(this.frames)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50)
        this.#waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
      this.#waiters = []
    }
  }

  close(): void {
    this.ws.close()
  }
}

export interface ConnectOptions {
  query?: string
  headers?: Record<string, string>
  protocols?: string[]
  origin?: string
  wsOptions?: ClientOptions
}

/** Opens a socket: resolves with a Client after `welcome`, or with the HTTP refusal. */
export async function open(url: string, o: ConnectOptions = {}): Promise<Client | Refusal> {
  const ws = new WebSocket(`${url}${o.query ? `?${o.query}` : ''}`, o.protocols ?? [], {
    headers: o.headers,
    ...(o.origin ? { origin: o.origin } : {}),
    ...o.wsOptions,
  })
  return await new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => {
        let parsed: Record<string, unknown> = {}
        try {
          parsed = JSON.parse(body) as Record<string, unknown>
        } catch {
          parsed = { raw: body }
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers })
        ws.terminate()
      })
    })
    ws.once('error', reject)
    ws.once('upgrade', () => {
      const client = new Client(ws)
      onTestFinished(() => ws.terminate())
      client.next({ type: 'welcome' }).then(() => resolve(client), reject)
    })
  })
}

/** `open` that must succeed. */
export async function connect(url: string, o: ConnectOptions = {}): Promise<Client> {
  const result = await open(url, o)
  if (!(result instanceof Client))
    throw new Error(`upgrade refused: ${result.status} ${JSON.stringify(result.body)}`)
  return result
}

/** `open` that must be refused. */
export async function refused(url: string, o: ConnectOptions = {}): Promise<Refusal> {
  const result = await open(url, o)
  if (result instanceof Client) throw new Error('upgrade unexpectedly accepted')
  return result
}

/** Bearer auth header for a token. */
export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })
