// The key lifecycle with the real parts: the api (SIGNING_KEYS_FILE, read at start) and TWO realtime instances on
// its JWKS over HTTP, one redis-server. The rotation procedure of docs/guides/api.md ("Rotate keys"), step by step,
// under continuous traffic in which no valid token may ever be refused; and the cold start of a realtime instance
// that comes up before the api.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildApp as buildApi, loadApiConfig } from '@portcullis/api'
import { buildApp as buildRealtime, loadRealtimeConfig } from '@portcullis/realtime'
import { captureLogs, type LogCapture } from '@portcullis/telemetry/testing'
import { freePort, uniquePrefix, waitFor } from '@portcullis/testkit'
import { bearer, Client, open, refused } from '@portcullis/testkit/ws'
import { createIssuer, generatePrivateJwk, keySetFromJwks } from '@portcullis/tokens'
import type { FastifyInstance } from 'fastify'
import { describe, expect, inject, onTestFinished, test } from 'vitest'

const ORIGIN = 'http://localhost:5173'
const CHEAP_HASH = { memoryCost: 1024, timeCost: 1, parallelism: 1 }
/** The longest token lifetime of this test: ACCESS_TOKEN_TTL_S (its minimum) + the 5 s exp leeway, seconds. */
const TTL_S = 10
const LONGEST_TOKEN_LIFE_MS = (TTL_S + 5) * 1000
/** Realtime's JWKS_REFRESH_S here; the procedure waits for one refresh (plus margin) after each api change. */
const REFRESH_S = 1
const WAIT_FOR_REFRESH_MS = REFRESH_S * 1000 + 1000

type Jwk = ReturnType<typeof generatePrivateJwk>

/** The api, started from a key file on a fixed port, restarted as an operator would roll it. */
async function apiOnKeyFile(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-rotation-'))
  const file = join(dir, 'signing-keys.json')
  const port = await freePort()
  let app: FastifyInstance | null = null
  const api = {
    url: `http://127.0.0.1:${port}`,
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    writeKeys(keys: Jwk[]): void {
      writeFileSync(file, JSON.stringify(keys), { mode: 0o600 })
    },
    async start(): Promise<void> {
      const config = loadApiConfig({ ...env, SIGNING_KEYS_FILE: file, ACCESS_TOKEN_TTL_S: String(TTL_S) })
      app = await buildApi(config, { hashOptions: CHEAP_HASH, logStream: captureLogs().stream })
      await app.listen({ host: '127.0.0.1', port })
    },
    /** Stop, then start on the same port with the file as it is now: the api reads SIGNING_KEYS_FILE at start. */
    async restart(): Promise<void> {
      await app?.close()
      await api.start()
    },
    async close(): Promise<void> {
      await app?.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  onTestFinished(() => api.close())
  return api
}

async function startRealtime(
  env: Record<string, string>,
): Promise<{ app: FastifyInstance; url: string; logs: LogCapture }> {
  const logs = captureLogs()
  const app = await buildRealtime(loadRealtimeConfig(env), { logStream: logs.stream })
  onTestFinished(() => app.close())
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, url: `${address.replace(/^http/, 'ws')}/v1/ws`, logs }
}

async function post(url: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: ORIGIN,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  })
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`)
  return (await res.json()) as Record<string, unknown>
}

const kidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid

describe('key rotation (docs/guides/api.md)', () => {
  test(
    'publish verify-only, wait for the JWKS refresh, promote, retire after the longest token life: no valid token is ever refused on either instance',
    { timeout: 60_000 },
    async () => {
      const shared = {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        REDIS_URL: inject('redisUrl'),
        REDIS_KEY_PREFIX: uniquePrefix('rotation'),
        ALLOWED_ORIGINS: ORIGIN,
      }
      const [a, b] = [generatePrivateJwk('ES256'), generatePrivateJwk('EdDSA')]
      // Limits raised: the traffic below is one user reconnecting many times a second from one IP.
      const api = await apiOnKeyFile({ ...shared, TICKET_RATE_PER_MIN: '100000' })
      api.writeKeys([a])
      await api.start()
      const rtEnv = {
        ...shared,
        JWKS_URL: api.jwksUrl,
        JWKS_REFRESH_S: String(REFRESH_S),
        CONNECT_RATE_PER_MIN: '100000',
        MAX_CONNECTIONS_PER_USER: '100',
      }
      const realtime = [await startRealtime(rtEnv), await startRealtime(rtEnv)]
      const kidsHeldBy = (i: number) => realtime[i]!.app.node.keys.status().kids

      // Traffic, all along: alice's session refreshes its token pair; every round opens a socket on each instance
      // with the current access token (bearer) and with a fresh ticket, and refreshes every live socket with it.
      let pair = await post(`${api.url}/v1/auth/login`, { username: 'alice', password: 'alice-password' })
      const failures: string[] = []
      const live: Client[] = []
      const unexpectedCloses: Array<{ code: number; reason: string }> = []
      const retired = new WeakSet<Client>()
      const track = (c: Client): void => {
        live.push(c)
        void c.closed.then((closed) => {
          if (!retired.has(c)) unexpectedCloses.push(closed)
        })
      }
      const seenKids = new Set<string>()
      let rounds = 0
      const running = { stop: false }
      const traffic = (async () => {
        while (!running.stop) {
          try {
            pair = await post(`${api.url}/v1/auth/refresh`, { refreshToken: pair.refreshToken })
          } catch {
            // The api is restarting: keep using the access token we hold (still valid, still verifiable).
          }
          const token = pair.accessToken as string
          seenKids.add(kidOf(token))
          for (const [i, rt] of realtime.entries()) {
            const viaBearer = await open(rt.url, { headers: bearer(token) })
            if (viaBearer instanceof Client) track(viaBearer)
            else
              failures.push(`bearer on realtime ${i}: ${viaBearer.status} ${JSON.stringify(viaBearer.body)}`)
            let ticket: string | null = null
            try {
              ticket = (await post(`${api.url}/v1/auth/ws-ticket`, {}, token)).ticket as string
            } catch {
              // The api is restarting: no ticket this round.
            }
            if (ticket !== null) {
              const viaTicket = await open(rt.url, { query: `ticket=${ticket}`, origin: ORIGIN })
              if (viaTicket instanceof Client) track(viaTicket)
              else
                failures.push(
                  `ticket on realtime ${i}: ${viaTicket.status} ${JSON.stringify(viaTicket.body)}`,
                )
            }
          }
          // Keep the newest 8 sockets (every one refreshed each round); the others leave normally.
          for (const c of live.splice(0, Math.max(0, live.length - 8))) {
            retired.add(c)
            c.close()
          }
          for (const c of live) c.send({ type: 'auth.refresh', id: `r${rounds}`, accessToken: token })
          rounds += 1
          await sleep(150)
        }
      })()
      const roundsNow = async (n: number) => {
        const target = rounds + n
        await waitFor(() => rounds >= target || failures.length > 0, `${n} rounds of traffic`, 20_000)
      }
      await roundsNow(2)

      // 1. Publish the new key, verify-only: second in the file, then roll the api.
      api.writeKeys([a, b])
      await api.restart()
      // 2. Wait for the JWKS refresh of every verifier (realtime: JWKS_REFRESH_S).
      await sleep(WAIT_FOR_REFRESH_MS)
      for (const i of [0, 1]) expect(kidsHeldBy(i)).toEqual([a.kid, b.kid])
      expect(seenKids).toEqual(new Set([a.kid]))
      // 3. Promote it: first in the file, roll the api. New tokens are signed by it; old ones still verify.
      api.writeKeys([b, a])
      await api.restart()
      await roundsNow(3)
      expect(seenKids).toEqual(new Set([a.kid, b.kid]))
      // 4. Retire the old key after the longest token lifetime: no valid token needs it any more.
      await sleep(LONGEST_TOKEN_LIFE_MS)
      api.writeKeys([b])
      await api.restart()
      await sleep(WAIT_FOR_REFRESH_MS)
      await roundsNow(2)
      running.stop = true
      await traffic

      expect(failures).toEqual([])
      expect(unexpectedCloses).toEqual([])
      expect(rounds).toBeGreaterThan(20)
      for (const i of [0, 1]) {
        expect(kidsHeldBy(i)).toEqual([b.kid])
        // The retirement closed nothing: every socket had moved on to the new key by auth.refresh.
        expect(realtime[i]!.logs.events('keys.removed')).toEqual([
          expect.objectContaining({ kids: a.kid, sockets: 0 }),
        ])
      }
      // ...and the retired key is refused from now on, on both instances.
      const { sub, sid } = JSON.parse(
        Buffer.from(String(pair.accessToken).split('.')[1]!, 'base64url').toString(),
      )
      const old = createIssuer(keySetFromJwks([a]), { issuer: 'portcullis-api', audience: 'portcullis' })
      for (const rt of realtime) {
        const res = await refused(rt.url, { headers: bearer(old.issue({ sub, sid, roles: ['user'] }).token) })
        expect(res).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
      }
    },
  )
})

describe('cold start with the real api', () => {
  test('realtime started before the api: 503 (never 401) until /readyz is 200, then the bearer token is accepted', async () => {
    const shared = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: uniquePrefix('cold'),
      ALLOWED_ORIGINS: ORIGIN,
    }
    const api = await apiOnKeyFile(shared)
    api.writeKeys([generatePrivateJwk('ES256')])
    const rt = await startRealtime({ ...shared, JWKS_URL: api.jwksUrl })
    expect((await rt.app.inject('/readyz')).statusCode).toBe(503)

    await api.start()
    const { accessToken } = await post(`${api.url}/v1/auth/login`, {
      username: 'bob',
      password: 'bob-password',
    })
    const attempts: Array<{ ready: boolean; status: number }> = []
    const deadline = Date.now() + 5000
    while (attempts.at(-1)?.status !== 101 && Date.now() < deadline) {
      const ready = (await rt.app.inject('/readyz')).statusCode === 200
      const attempt = await open(rt.url, { headers: bearer(accessToken as string) })
      attempts.push({ ready, status: attempt instanceof Client ? 101 : attempt.status })
    }
    expect(attempts.at(-1)?.status).toBe(101)
    expect(attempts.filter((x) => x.status !== 101 && x.status !== 503)).toEqual([])
    expect(attempts.filter((x) => x.ready && x.status !== 101)).toEqual([])
    expect(rt.logs.events('ws.upgrade.refused').filter((e) => e.status === 401)).toEqual([])
  })
})
