import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { uniquePrefix } from '@portcullis/testkit'
import { inject } from 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by @portcullis/testkit's global setup. */
    redisUrl: string
  }
}

const API = '@portcullis/api'
const REALTIME = '@portcullis/realtime'

/** Environment overrides of each app (strings, as in a real deployment). */
export interface StackOptions {
  readonly api?: Record<string, string>
  readonly realtime?: Record<string, string>
  /** Exact origins both apps allow (the browser tests' page origin). */
  readonly allowedOrigins?: readonly string[]
}

/** A running api + realtime pair on free loopback ports, sharing the test project's redis-server. */
export interface Stack {
  readonly apiUrl: string
  readonly realtimeUrl: string
  close(): Promise<void>
}

type Env = Record<string, string>
interface Listening {
  listen(options: { host: string; port: number }): Promise<string>
  close(): Promise<void>
}
interface ApiModule {
  buildApp(config: unknown, deps?: object): Promise<Listening>
  loadApiConfig(env: Env): unknown
}
interface RealtimeModule {
  buildApp(config: unknown, deps?: object): Promise<Listening>
  loadRealtimeConfig(env: Env): unknown
}

// The apps are loaded through non-literal specifiers on purpose: this package's typecheck then covers
// only the SDK and the few calls above, not the apps' sources (each augments FastifyInstance for itself,
// and two apps in one program collide). The tests themselves exercise the real modules.
const importModule = async <T>(specifier: string): Promise<T> => (await import(specifier)) as T

const quiet = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done()
    },
  })

/**
 * Starts the real api and realtime (their `buildApp`, listening on port 0) against the project's
 * redis-server with a fresh key prefix. Both read the same prefix, so revocations and role changes
 * travel between them through Redis exactly as in production.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const shared = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: uniquePrefix('web'),
    ALLOWED_ORIGINS: (options.allowedOrigins ?? ['http://localhost:5173']).join(','),
  }
  const apiModule = await importModule<ApiModule>(API)
  const realtimeModule = await importModule<RealtimeModule>(REALTIME)
  const keysDir = mkdtempSync(join(tmpdir(), 'portcullis-keys-'))
  const api = await apiModule.buildApp(
    apiModule.loadApiConfig({ ...shared, DEV_KEYS_DIR: keysDir, ...options.api }),
    {
      // argon2id at test cost: the default (19 MiB, t=2) is for production, not for 2-core CI.
      hashOptions: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
      logStream: quiet(),
    },
  )
  const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 })
  const realtime = await realtimeModule.buildApp(
    realtimeModule.loadRealtimeConfig({
      ...shared,
      JWKS_URL: `${apiUrl}/.well-known/jwks.json`,
      ...options.realtime,
    }),
    { logStream: quiet() },
  )
  const realtimeHttp = await realtime.listen({ host: '127.0.0.1', port: 0 })
  return {
    apiUrl,
    realtimeUrl: realtimeHttp.replace(/^http/, 'ws'),
    async close() {
      await realtime.close()
      await api.close()
      rmSync(keysDir, { recursive: true, force: true })
    },
  }
}
