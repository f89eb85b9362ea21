// Scale-out, proven end to end: the real HAProxy (infra/haproxy/haproxy.cfg, unchanged) terminates TLS with a
// certificate from `pnpm dev:tls`'s generator and balances two realtime instances; the real api sits behind the
// same proxy; all share one redis-server that only admits an ACL user restricted to this test's key prefix.
// Clients speak https/wss to the proxy only, from 127.0.0.2 and 127.0.0.3, so the apps can only learn those
// addresses from the X-Forwarded-For the proxy sets (the TCP peer they see is always the proxy, 127.0.0.1).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { buildApp as buildApi, loadApiConfig } from '@portcullis/api'
import { buildApp as buildRealtime, loadRealtimeConfig } from '@portcullis/realtime'
import { createRedisClient, keys } from '@portcullis/sessions/redis'
import { captureLogs, type LogCapture } from '@portcullis/telemetry/testing'
import { freePort, uniquePrefix, waitFor } from '@portcullis/testkit'
import type { FastifyInstance } from 'fastify'
import { Client } from '@portcullis/testkit/ws'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const REDIS_PASSWORD = 'scale-out-test-password'
const CHEAP_HASH = { memoryCost: 1024, timeCost: 1, parallelism: 1 }

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

const stack = {
  dir: '',
  ca: Buffer.alloc(0),
  prefix: uniquePrefix('scale'),
  proxyPort: 0,
  proxyHttpPort: 0,
  redisPort: 0,
  children: [] as ChildProcess[],
  api: null as FastifyInstance | null,
  realtime: [] as FastifyInstance[],
  logs: [] as LogCapture[],
  proxyOutput: '',
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

/** One https request to the proxy, from `localAddress`, trusting only the generated CA. */
function call(
  method: string,
  path: string,
  o: { token?: string; body?: unknown; from?: string } = {},
): Promise<Reply> {
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body)
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: stack.proxyPort,
        method,
        path,
        ca: stack.ca,
        localAddress: o.from ?? '127.0.0.2',
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        },
      },
      (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

async function login(username: string, from?: string): Promise<{ accessToken: string }> {
  const res = await call('POST', '/v1/auth/login', {
    body: { username, password: `${username}-password` },
    from,
  })
  expect(res.status, res.body).toBe(200)
  return JSON.parse(res.body) as { accessToken: string }
}

async function ticket(accessToken: string, from?: string): Promise<string> {
  const res = await call('POST', '/v1/auth/ws-ticket', { token: accessToken, from })
  expect(res.status, res.body).toBe(200)
  return (JSON.parse(res.body) as { ticket: string }).ticket
}

/** Upgrades through the proxy over wss; resolves the open client, or the refusal's HTTP status. */
function upgrade(query: string, from = '127.0.0.2'): Promise<Client | number> {
  const ws = new WebSocket(`wss://127.0.0.1:${stack.proxyPort}/v1/ws?${query}`, {
    ca: stack.ca,
    localAddress: from,
  })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(new Client(ws)))
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.once('error', reject)
  })
}

async function connect(
  username: string,
  from = '127.0.0.2',
): Promise<{ client: Client; accessToken: string }> {
  const { accessToken } = await login(username, from)
  const client = await upgrade(`ticket=${await ticket(accessToken, from)}`, from)
  if (typeof client === 'number') throw new Error(`upgrade refused: ${client}`)
  await client.next({ type: 'welcome' })
  return { client, accessToken }
}

const sockets = () => stack.realtime.map((app) => app.hub.connections.size)

async function closeAll(clients: Client[]): Promise<void> {
  for (const c of clients) c.close()
  await waitFor(() => sockets().every((n) => n === 0), 'sockets to close on both instances')
}

beforeAll(async () => {
  stack.dir = mkdtempSync(join(tmpdir(), 'portcullis-scale-'))
  const certs = spawnSync(
    process.execPath,
    [`${root}scripts/dev-tls.ts`, '--certs-only', '--out', stack.dir],
    {
      encoding: 'utf8',
    },
  )
  if (certs.status !== 0) throw new Error(`dev-tls failed: ${certs.stderr}`)
  const files = JSON.parse(certs.stdout) as { ca: string; bundle: string }
  stack.ca = readFileSync(files.ca)

  // Redis as deployed: `default` disabled, one ACL user confined to the prefix's keys and channels.
  stack.redisPort = await freePort()
  const redis = spawn('redis-server', [
    '--port', String(stack.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--user', 'default', 'off',
    '--user', 'portcullis', 'on', `>${REDIS_PASSWORD}`, `~${stack.prefix}*`, `&${stack.prefix}*`, '+@all', '-@dangerous',
  ], { stdio: 'ignore' }) // prettier-ignore
  stack.children.push(redis)
  const redisUrl = `redis://portcullis:${REDIS_PASSWORD}@127.0.0.1:${stack.redisPort}`
  const probe = createRedisClient(redisUrl)
  await waitFor(
    () =>
      probe.connect().then(
        () => true,
        () => false,
      ),
    'redis-server to accept the ACL user',
  )
  await probe.close()

  const [proxyPort, proxyHttpPort, webPort] = [await freePort(), await freePort(), await freePort()]
  stack.proxyPort = proxyPort
  stack.proxyHttpPort = proxyHttpPort
  const shared = {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: stack.prefix,
    TLS_TERMINATED_BY_PROXY: 'true',
    TRUSTED_PROXIES: '127.0.0.1', // exactly the proxy
    ALLOWED_ORIGINS: `https://127.0.0.1:${proxyPort}`,
    LOG_LEVEL: 'info',
  }

  const apiConfig = loadApiConfig({
    ...shared,
    NODE_ENV: 'test',
    API_PORT: '0',
    DEV_KEYS_DIR: join(stack.dir, 'keys'),
    LOG_LEVEL: 'warn',
  })
  stack.api = await buildApi(apiConfig, { hashOptions: CHEAP_HASH, logStream: captureLogs().stream })
  await stack.api.listen({ host: '127.0.0.1', port: 0 })
  const apiAddr = `127.0.0.1:${(stack.api.server.address() as { port: number }).port}`

  for (let i = 0; i < 2; i++) {
    // Production settings: the production check must accept them (it runs inside loadRealtimeConfig).
    const config = loadRealtimeConfig({
      ...shared,
      NODE_ENV: 'production',
      REALTIME_PORT: '0',
      JWKS_URL: `http://${apiAddr}/.well-known/jwks.json`,
      AUTH_FAILURES_PER_MIN: '3',
      AUTH_BLOCK_S: '60',
    })
    const logs = captureLogs()
    const app = await buildRealtime(config, { logStream: logs.stream })
    await app.listen({ host: '127.0.0.1', port: 0 })
    stack.realtime.push(app)
    stack.logs.push(logs)
  }
  const [rt1, rt2] = stack.realtime.map((a) => `127.0.0.1:${(a.server.address() as { port: number }).port}`)

  const proxy = spawn('haproxy', ['-db', '-f', `${root}infra/haproxy/haproxy.cfg`], {
    env: {
      ...process.env,
      PROXY_BIND: '127.0.0.1',
      PROXY_HTTPS_PORT: String(proxyPort),
      PROXY_HTTP_PORT: String(proxyHttpPort),
      PROXY_CERT: files.bundle,
      API_ADDR: apiAddr,
      REALTIME_1_ADDR: rt1,
      REALTIME_2_ADDR: rt2,
      WEB_ADDR: `127.0.0.1:${webPort}`, // nothing listens: the demo is not part of this test
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  stack.children.push(proxy)
  for (const s of [proxy.stdout, proxy.stderr])
    s.on('data', (c: Buffer) => (stack.proxyOutput += c.toString()))
  let last = ''
  await waitFor(
    () =>
      call('GET', '/.well-known/jwks.json').then(
        (r) => ((last = `${r.status} ${r.body}`), r.status === 200),
        (err: Error) => ((last = err.message), false),
      ),
    'haproxy to serve the api',
    10_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: last ${last}; haproxy said: ${stack.proxyOutput}`)
  })
})

afterAll(async () => {
  await Promise.all(stack.realtime.map((app) => app.close()))
  await stack.api?.close()
  for (const child of stack.children.toReversed()) await stopChild(child)
  if (stack.dir) rmSync(stack.dir, { recursive: true, force: true })
})

describe('scale-out behind HAProxy over TLS', () => {
  it('terminates TLS with HSTS, routes the api and JWKS, and redirects plaintext to https', async () => {
    const jwks = await call('GET', '/.well-known/jwks.json')
    expect(jwks.status).toBe(200)
    expect(jwks.headers['strict-transport-security']).toMatch(/max-age=\d+/)
    expect((JSON.parse(jwks.body) as { keys: unknown[] }).keys.length).toBeGreaterThan(0)

    const plain = await new Promise<Reply>((resolve, reject) => {
      httpRequest(
        { host: '127.0.0.1', port: stack.proxyHttpPort, path: '/v1/ws', localAddress: '127.0.0.2' },
        (res) => {
          res.resume()
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' })
        },
      )
        .on('error', reject)
        .end()
    })
    expect(plain.status).toBe(308)
    expect(plain.headers.location).toMatch(/^https:\/\//)

    // A plaintext WebSocket to the TLS port never upgrades.
    const ws = new WebSocket(`ws://127.0.0.1:${stack.proxyPort}/v1/ws`)
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'))
      ws.once('unexpected-response', (_q, res) => resolve(`status ${res.statusCode}`))
      ws.once('error', () => resolve('error'))
    })
    ws.terminate()
    expect(outcome).not.toBe('open')
  })

  it('lets two users on different instances chat over wss', async () => {
    const alice = await connect('alice')
    const bob = await connect('bob')
    // leastconn put the second socket on the other instance: one socket each.
    expect(sockets()).toEqual([1, 1])

    for (const [who, id] of [
      [alice, 's1'],
      [bob, 's2'],
    ] as const) {
      who.client.send({ type: 'subscribe', id, channel: 'public:lobby' })
      await who.client.next({ type: 'subscribed', id })
    }
    alice.client.send({ type: 'publish', id: 'p1', channel: 'public:lobby', text: 'hello from instance one' })
    await alice.client.next({ type: 'published', id: 'p1' })
    const got = await bob.client.next({ type: 'message', text: 'hello from instance one' })
    expect(got.from).toMatchObject({ username: 'alice' })

    bob.client.send({ type: 'publish', id: 'p2', channel: 'public:lobby', text: 'and back from two' })
    expect((await alice.client.next({ type: 'message', text: 'and back from two' })).from).toMatchObject({
      username: 'bob',
    })
    await closeAll([alice.client, bob.client])
  })

  it('closes the sockets of a session on both instances at logout', async () => {
    const first = await connect('admin')
    const second = await upgrade(`ticket=${await ticket(first.accessToken)}`)
    if (typeof second === 'number') throw new Error(`second upgrade refused: ${second}`)
    await second.next({ type: 'welcome' })
    expect(sockets()).toEqual([1, 1])

    const started = Date.now()
    expect((await call('POST', '/v1/auth/logout', { token: first.accessToken })).status).toBe(204)
    const closes = await Promise.all([first.client.closed, second.closed])
    expect(Date.now() - started).toBeLessThan(5000) // the documented bound is ≤ 1 s; generous bound for a busy machine
    expect(closes).toEqual([
      { code: 4401, reason: 'session_revoked' },
      { code: 4401, reason: 'session_revoked' },
    ])
    await waitFor(() => sockets().every((n) => n === 0), 'both instances to drop the sockets')
  })

  it('keys per-IP limits and logs on the client address the proxy forwarded, not the proxy', async () => {
    // 127.0.0.2 fails authentication until blocked (AUTH_FAILURES_PER_MIN=3), whichever instance answers.
    const statuses: number[] = []
    for (let i = 0; i < 4; i++)
      statuses.push((await upgrade(`ticket=not-a-ticket-${i}`, '127.0.0.2')) as number)
    expect(statuses).toEqual([401, 401, 401, 429])

    // Another client behind the same proxy is not affected.
    const other = await connect('bob', '127.0.0.3')
    expect(other.client.ws.readyState).toBe(WebSocket.OPEN)

    const layout = keys(stack.prefix)
    const redis = createRedisClient(`redis://portcullis:${REDIS_PASSWORD}@127.0.0.1:${stack.redisPort}`)
    await redis.connect()
    const [blocked, proxyBlocked, other3] = await Promise.all([
      redis.exists(layout.ipBlock('127.0.0.2')),
      redis.exists(layout.ipBlock('127.0.0.1')),
      redis.exists(layout.ipBlock('127.0.0.3')),
    ])
    await redis.close()
    expect([blocked, proxyBlocked, other3]).toEqual([1, 0, 0])

    const events = stack.logs.flatMap((l) => [...l.events('ws.upgrade.refused'), ...l.events('ip.blocked')])
    expect(events.length).toBeGreaterThanOrEqual(4)
    expect(new Set(events.map((e) => e.ip))).toEqual(new Set(['127.0.0.2']))
    const connected = stack.logs.flatMap((l) => l.events('ws.connected'))
    expect(connected.map((e) => e.ip)).toContain('127.0.0.3')
    expect(connected.map((e) => e.ip)).not.toContain('127.0.0.1')
    await closeAll([other.client])
  })
})
