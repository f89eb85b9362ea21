import { connect as tcpConnect } from 'node:net'
import { expect, onTestFinished, test } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { createRedisClient, redisConnection } from '@portcullis/sessions/redis'
import { RtStore } from '../../src/limits/rt-store.ts'
import { bearer, connect, refused, shared, startApp } from '../helper.ts'

test('the per-user cap holds across instances, and a dead instance’s slot frees itself when its lease expires', async () => {
  const s = shared()
  const a = await startApp({ MAX_CONNECTIONS_PER_USER: 2 }, { shared: s })
  const b = await startApp({ MAX_CONNECTIONS_PER_USER: 2 }, { shared: s })
  const login = await a.login()
  await connect(a.url, { headers: bearer(login.token) })
  // A "crashed" instance holds the second slot: leased for 1 s, never renewed, never released.
  const client = createRedisClient(a.config.REDIS_URL)
  await client.connect()
  onTestFinished(() => client.close())
  const ghost = new RtStore(redisConnection(client), s.prefix)
  expect(await ghost.acquireConnection(login.userId, 'ghost', 2, 1000)).toBe(true)
  expect((await refused(b.url, { headers: bearer(login.token) })).status).toBe(429)
  await new Promise((r) => setTimeout(r, 1100))
  await connect(b.url, { headers: bearer(login.token) })
  expect((await refused(a.url, { headers: bearer(login.token) })).status).toBe(429)
})

test('live slots are renewed: they outlive their first lease', async () => {
  const t = await startApp({ MAX_CONNECTIONS_PER_USER: 1 }, { deps: { connectionLeaseMs: 1200 } })
  const login = await t.login()
  await connect(t.url, { headers: bearer(login.token) })
  await new Promise((r) => setTimeout(r, 1800))
  expect((await refused(t.url, { headers: bearer(login.token) })).status).toBe(429)
})

test('a client that vanishes before the 101 does not keep its slot', async () => {
  const s = shared()
  const t = await startApp({ MAX_CONNECTIONS_PER_USER: 1 }, { shared: s })
  const login = await t.login()
  const client = createRedisClient(t.config.REDIS_URL)
  await client.connect()
  onTestFinished(() => client.close())
  const slots = new RtStore(redisConnection(client), s.prefix).keys.userConnections(login.userId)
  const port = new URL(t.url).port
  for (let i = 0; i < 3; i++) {
    const socket = tcpConnect({ host: '127.0.0.1', port: Number(port) })
    await new Promise((r) => socket.once('connect', r))
    socket.write(
      `GET /v1/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `Authorization: Bearer ${login.token}\r\n\r\n`,
    )
    socket.destroy()
  }
  await new Promise((r) => setTimeout(r, 300))
  await waitFor(async () => (await client.zCard(slots)) === 0, 'slots released')
  await connect(t.url, { headers: bearer(login.token) })
})

test('MAX_CONNECTIONS: past the instance cap an upgrade gets 503 + Retry-After and keeps no per-user slot', async () => {
  const s = shared()
  const t = await startApp({ MAX_CONNECTIONS: 2, MAX_CONNECTIONS_PER_USER: 5 }, { shared: s })
  const other = await startApp({ MAX_CONNECTIONS: 10, MAX_CONNECTIONS_PER_USER: 5 }, { shared: s })
  const alice = await t.login('alice')
  const bob = await t.login('bob')
  const first = await connect(t.url, { headers: bearer(alice.token) })
  await connect(t.url, { headers: bearer(bob.token) })
  for (let i = 0; i < 3; i++) {
    const res = await refused(t.url, { headers: bearer(alice.token) })
    expect(res.status).toBe(503)
    expect(res.body).toMatchObject({ error: 'unavailable' })
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
  }
  expect(t.logs.events('ws.upgrade.refused').filter((e) => e.reason === 'instance_full')).toHaveLength(3)
  // The refused upgrades gave their per-user slots back: alice still has 4 of 5 on another instance.
  for (let i = 0; i < 4; i++) await connect(other.url, { headers: bearer(alice.token) })
  expect((await refused(other.url, { headers: bearer(alice.token) })).status).toBe(429)
  // A closed socket makes room on the full instance.
  first.close()
  await first.closed
  await waitFor(() => t.app.hub.connections.size === 1, 'the closed socket is gone')
  await connect(t.url, { headers: bearer(bob.token) })
})
