import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { buildApp as buildApi, loadApiConfig } from '@portcullis/api'
import { buildApp as buildRealtime, loadRealtimeConfig } from '@portcullis/realtime'
import { uniquePrefix, waitFor } from '@portcullis/testkit'
import { signJwt } from '@portcullis/tokens/testing'
import { inject } from 'vitest'

/** Environment overrides of each app (strings, as in a real deployment). */
export interface StackOptions {
  /** Label in the Redis key prefix, to tell the suites' keys apart (default `stack`). */
  readonly label?: string
  readonly api?: Record<string, string>
  readonly realtime?: Record<string, string>
  /** Exact origins both apps allow (the browser tests' page origin). Default `http://localhost:5173`. */
  readonly allowedOrigins?: readonly string[]
  /** Realtime instances on the same Redis prefix (default 1): sockets, limits and events span all of them. */
  readonly realtimeInstances?: number
  /** The api's port (default any free one): known in advance when another party must call it back. */
  readonly apiPort?: number
}

/** A running api + realtime pair on free loopback ports, sharing the test project's redis-server. */
export interface Stack {
  readonly apiUrl: string
  /** `ws://127.0.0.1:<port>` of the realtime app (append `/v1/ws`): the first instance. */
  readonly realtimeUrl: string
  /** Every realtime instance's `ws://127.0.0.1:<port>`, the first being `realtimeUrl`. */
  readonly realtimeUrls: readonly string[]
  close(): Promise<void>
}

const quiet = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done()
    },
  })

/**
 * Starts the real api and realtime (their `buildApp`, listening on port 0) against the test project's
 * redis-server (`inject('redisUrl')`) with a fresh key prefix. Both read the same prefix, so revocations and
 * role changes travel between them through Redis exactly as in production. Only for tests: argon2id runs at a
 * test cost and the logs are discarded.
 * @example const stack = await startStack({ label: 'web' }); onTestFinished(() => stack.close())
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const shared = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: uniquePrefix(options.label ?? 'stack'),
    ALLOWED_ORIGINS: (options.allowedOrigins ?? ['http://localhost:5173']).join(','),
  }
  const keysDir = mkdtempSync(join(tmpdir(), 'portcullis-keys-'))
  const api = await buildApi(loadApiConfig({ ...shared, DEV_KEYS_DIR: keysDir, ...options.api }), {
    // argon2id at test cost: the default (19 MiB, t=2) is for production, not for 2-core CI.
    hashOptions: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
    logStream: quiet(),
  })
  const apiUrl = await api.listen({ host: '127.0.0.1', port: options.apiPort ?? 0 })
  const realtimeConfig = loadRealtimeConfig({
    ...shared,
    JWKS_URL: `${apiUrl}/.well-known/jwks.json`,
    ...options.realtime,
  })
  const realtimes = await Promise.all(
    Array.from({ length: options.realtimeInstances ?? 1 }, () =>
      buildRealtime(realtimeConfig, { logStream: quiet() }),
    ),
  )
  const realtimeUrls = await Promise.all(
    realtimes.map(async (r) => (await r.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws')),
  )
  return {
    apiUrl,
    realtimeUrl: realtimeUrls[0]!,
    realtimeUrls,
    async close() {
      await Promise.all(realtimes.map((r) => r.close()))
      await api.close()
      rmSync(keysDir, { recursive: true, force: true })
    },
  }
}

/**
 * Waits until the api holds the identity provider's keys: it exchanges a well-formed token signed by a stranger's
 * key under the provider's `kid` until the answer is 401 (keys loaded, signature refused) instead of 503 (keys not
 * there yet). On a loaded machine the api's first key fetch may miss its 2 s timeout and retry.
 * @example await waitForIdentityProvider(stack.apiUrl, idp, 'portcullis-web')
 */
export async function waitForIdentityProvider(
  apiUrl: string,
  idp: { issuer: string; signingKid: string },
  audience: string,
  timeoutMs = 20_000,
): Promise<void> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const now = Math.floor(Date.now() / 1000)
  const probe = signJwt(
    { alg: 'RS256', kid: idp.signingKid },
    { iss: idp.issuer, aud: audience, sub: 'readiness-probe', iat: now, exp: now + 3600 },
    privateKey,
  )
  await waitFor(
    async () => {
      const res = await fetch(`${apiUrl}/v1/auth/exchange`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          subjectToken: probe,
          subjectTokenType: 'urn:ietf:params:oauth:token-type:id_token',
        }),
      })
      await res.body?.cancel()
      return res.status === 401
    },
    "the api to hold the identity provider's keys",
    timeoutMs,
  )
}
