import { Writable } from 'node:stream'
import type { Env } from '@portcullis/config'
import type { SessionEvent } from '@portcullis/sessions'
import {
  connectRedis,
  createRedisClient,
  RedisSessionStore,
  whenReady,
  type RedisConnection,
  type RedisTarget,
} from '@portcullis/sessions/redis'
import { uniquePrefix } from '@portcullis/testkit'
import type { FastifyInstance } from 'fastify'
import { inject, onTestFinished } from 'vitest'
import { buildApp, type AppDeps } from '../src/app.ts'
import { loadApiConfig, type ApiConfig } from '../src/config.ts'
import { generatePrivateJwk, keySetFromJwks, type KeySet } from '@portcullis/tokens'
import type { HashOptions } from '../src/users/passwords.ts'

/** argon2id cost for tests only (the default is m=19456 KiB, t=2): keeps the suite fast on 2 cores. */
export const TEST_HASH: HashOptions = { memoryCost: 1024, timeCost: 1, parallelism: 1 }

/** One ES256 key set per test file. */
export const testKeys: KeySet = keySetFromJwks([generatePrivateJwk('ES256')])

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by @portcullis/testkit's global setup (same declaration as there). */
    redisUrl: string
  }
}

/** URL of the redis-server the test project owns. */
export const redisUrl = (): string => inject('redisUrl')

/** A test config: the project's redis-server, a unique key prefix, cheap argon2. */
export function testConfig(env: Env = {}): ApiConfig {
  return loadApiConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: uniquePrefix('api'),
    ...env,
  })
}

/** Captured log output: every line the app wrote. */
export interface LogCapture {
  text(): string
  lines(): Array<Record<string, unknown>>
}

/**
 * A controllable clock for `buildTestApp({}, { now: clock.now })`: it starts at the real time and only moves
 * forward, because Redis expires keys by its own clock (a key set for "now + 1 h" on the test clock is then
 * still there in Redis when the test clock says it is due: the app decides by its clock, as it should).
 */
export function testClock(): { now: () => number; advance: (ms: number) => void; t: number } {
  const clock = {
    t: Date.now(),
    now: () => clock.t,
    advance: (ms: number) => {
      clock.t += ms
    },
  }
  return clock
}

/**
 * Builds the app against real Redis, captures its logs, closes it when the test ends. With `deps.now` (and no
 * `deps.store`) the session store runs on that clock too.
 */
export async function buildTestApp(
  env: Env = {},
  deps: AppDeps = {},
): Promise<{ app: FastifyInstance; config: ApiConfig; logs: LogCapture }> {
  const config = testConfig(env)
  let text = ''
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString()
      done()
    },
  })
  let store = deps.store
  if (!store && deps.now) {
    store = new RedisSessionStore({
      redis: await testRedis(),
      prefix: config.REDIS_KEY_PREFIX,
      ownsRedis: true,
      now: deps.now,
    })
    onTestFinished(() => store?.close())
  }
  const app = await buildApp(config, {
    logStream,
    keys: testKeys,
    hashOptions: TEST_HASH,
    ...deps,
    ...(store ? { store } : {}),
  })
  onTestFinished(() => app.close())
  await app.ready()
  const logs: LogCapture = {
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
  return { app, config, logs }
}

/** Logs in through the api; returns the token pair body. */
export async function loginAs(
  app: FastifyInstance,
  username: string,
  password = `${username}-password`,
): Promise<{
  accessToken: string
  refreshToken: string
  sessionId: string
  expiresIn: number
  user: { id: string; roles: string[] }
}> {
  const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password } })
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** The claims of a JWT (decoded, not verified: the test issued it). */
export function claimsOf(jwt: string): { exp: number; iat: number; sid: string; sub: string } {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as ReturnType<typeof claimsOf>
}

/** A `RedisConnection` to the project's server (or `target`: a URL or a cluster), ready, closed when the test ends. */
export async function testRedis(target: RedisTarget = { url: redisUrl() }): Promise<RedisConnection> {
  const redis = connectRedis(target)
  onTestFinished(() => redis.close())
  if (!(await whenReady(redis, 5000))) throw new Error('test Redis not ready')
  return redis
}

/** A raw Redis client on the project's server (closed when the test ends). */
export async function rawRedis(): Promise<ReturnType<typeof createRedisClient>> {
  const raw = createRedisClient(redisUrl())
  await raw.connect()
  onTestFinished(() => raw.close())
  return raw
}

/** An Authorization header for a token. */
export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` })

/** A second store on the app's prefix (like a realtime instance) that records every event. */
export async function listen(
  prefix: string,
  target?: RedisTarget,
): Promise<{ events: SessionEvent[]; store: RedisSessionStore }> {
  const store = new RedisSessionStore({ redis: await testRedis(target), prefix, ownsRedis: true })
  onTestFinished(() => store.close())
  const events: SessionEvent[] = []
  await store.subscribe((e) => events.push(e))
  return { events, store }
}

/** Asserts that none of `secrets` appears anywhere in the captured log text. */
export function secretsIn(logs: LogCapture, secrets: string[]): string[] {
  const text = logs.text()
  return secrets.filter((s) => s.length > 0 && text.includes(s))
}
