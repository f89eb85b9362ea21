// A single-node Redis restarted under live sockets and traffic (SIGKILL, then started again with its data: AOF with
// fsync on every write), with two instances: the counterpart of the cluster failover test in ../cluster.test.ts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, onTestFinished, test } from 'vitest'
import { startRedisServer, waitFor } from '@portcullis/testkit'
import { bearer, connect, open, shared, startApp, type Client } from '../helper.ts'

test(
  'Redis restart within STORE_GRACE_MS: no 1013, upgrades 503 meanwhile (never 500), no app restart; ' +
    'afterwards revocations close exactly the revoked sessions and fan-out flows again',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-aof-'))
    const redis = await startRedisServer({
      args: ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir],
    })
    onTestFinished(async () => {
      await redis.stop()
      rmSync(dir, { recursive: true, force: true })
    })
    const s = shared()
    const config = { REDIS_URL: redis.url, STORE_GRACE_MS: 20_000, MAX_CONNECTIONS_PER_USER: 10 }
    const a = await startApp(config, { shared: s })
    const b = await startApp(config, { shared: s })
    const users: Array<{ sid: string; token: string; sockets: Client[] }> = []
    for (let i = 0; i < 10; i++) {
      const login = await a.login(`rs${i}`)
      const sockets = [
        await connect(a.url, { headers: bearer(login.token) }),
        await connect(b.url, { headers: bearer(login.token) }),
      ]
      for (const socket of sockets) {
        socket.send({ type: 'subscribe', id: 'sub', channel: 'public:restart' })
        await socket.next({ type: 'subscribed' })
      }
      users.push({ sid: login.sid, token: login.token, sockets })
    }
    let closedEarly = 0
    for (const socket of users.flatMap((u) => u.sockets)) void socket.closed.then(() => (closedEarly += 1))

    const run = { stop: false }
    const upgrades: number[] = []
    const traffic = (async () => {
      for (let i = 0; !run.stop; i++) {
        const u = users[i % users.length]!
        u.sockets[i % 2]!.send({ type: 'publish', id: `t${i}`, channel: 'public:restart', text: `t${i}` })
        const result = await open((i % 2 ? a : b).url, { headers: bearer(u.token) })
        if ('status' in result) upgrades.push(result.status)
        else {
          upgrades.push(101)
          result.close()
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    })()
    await new Promise((r) => setTimeout(r, 300))
    await redis.kill()
    await new Promise((r) => setTimeout(r, 1500))
    await redis.start()
    await waitFor(
      async () =>
        (await a.app.inject({ url: '/readyz' })).statusCode === 200 &&
        (await b.app.inject({ url: '/readyz' })).statusCode === 200,
      'both instances ready again',
      20_000,
    )
    await new Promise((r) => setTimeout(r, 1000))
    run.stop = true
    await traffic

    expect(closedEarly).toBe(0)
    expect(upgrades).toContain(503)
    expect(upgrades.every((status) => status === 101 || status === 503)).toBe(true)
    expect(a.logs.events('store.unreachable')).toHaveLength(0)

    const [sender] = users[0]!.sockets
    sender!.send({ type: 'publish', id: 'after', channel: 'public:restart', text: 'after' })
    await sender!.next({ type: 'published', id: 'after' })
    for (const socket of users[1]!.sockets)
      await socket.next((f) => f.type === 'message' && f.text === 'after')
    const revoked = users.slice(0, 5)
    for (const u of revoked) await a.store.revokeSession(u.sid, 'admin')
    for (const u of revoked)
      for (const socket of u.sockets)
        expect(await socket.closed).toEqual({ code: 4401, reason: 'session_revoked' })
    for (const u of users.slice(5))
      for (const [i, socket] of u.sockets.entries()) {
        socket.send({ type: 'ping', id: `alive-${i}` })
        await socket.next({ type: 'pong', id: `alive-${i}` })
      }
  },
)
