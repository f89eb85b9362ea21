import { describe, expect, inject, test, onTestFinished } from 'vitest'
import { startRedisServer, waitFor } from '@portcullis/testkit'
import { connectRedis, createRedisClient, keys, RedisSessionStore } from '@portcullis/sessions/redis'
import { bearer, connect, refused, shared, startApp } from '../helper.ts'

describe('session store unreachable: fail closed', () => {
  test('Redis down → 503 + Retry-After on upgrade, live sockets closed 1013 after STORE_GRACE_MS, no crash; back → admits again', async () => {
    const redis = await startRedisServer()
    onTestFinished(() => redis.stop())
    const t = await startApp({ REDIS_URL: redis.url, STORE_GRACE_MS: 300 })
    const login = await t.login()
    const live = await connect(t.url, { headers: bearer(login.token) })
    await redis.kill()
    const res = await refused(t.url, { headers: bearer(login.token) })
    expect(res.status).toBe(503)
    expect(res.body).toMatchObject({ error: 'unavailable' })
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    const closed = await live.closed
    expect(closed).toEqual({ code: 1013, reason: 'try_again_later' })
    expect(t.logs.events('store.unreachable')).toHaveLength(1)
    const ready = await t.app.inject({ url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200)

    await redis.start()
    await waitFor(
      async () => (await t.app.inject({ url: '/readyz' })).statusCode === 200,
      'ready again',
      10_000,
    )
    // The restarted Redis is empty (no persistence): a fresh session is needed, and it is admitted.
    const again = await waitFor(() => t.login().catch(() => null), 'test client reconnected', 10_000)
    await connect(t.url, { headers: bearer(again.token) })
  })

  test('a stalled Redis (CLIENT PAUSE) → 503 within 2 s, not a hanging upgrade', async () => {
    const redis = await startRedisServer()
    onTestFinished(() => redis.stop())
    const t = await startApp({ REDIS_URL: redis.url, STORE_GRACE_MS: 60_000 })
    const login = await t.login()
    const admin = createRedisClient(redis.url)
    await admin.connect()
    onTestFinished(() => admin.destroy())
    await admin.sendCommand(['CLIENT', 'PAUSE', '3000', 'ALL'])
    const started = Date.now()
    const res = await refused(t.url, { headers: bearer(login.token) })
    expect(res.status).toBe(503)
    expect(Date.now() - started).toBeLessThan(2500)
    // Timeouts are not silent: one (rate-limited) log line says so.
    await waitFor(() => t.logs.text().includes('session store calls timed out'), 'timeout logged')
  })

  test('pub/sub link drop → live sessions re-validated when it returns (a revocation missed meanwhile closes 4401)', async () => {
    const s = shared()
    const t = await startApp({ STORE_GRACE_MS: 5000 }, { shared: s })
    const kept = await t.login()
    const missed = await t.login()
    const keptClient = await connect(t.url, { headers: bearer(kept.token) })
    const missedClient = await connect(t.url, { headers: bearer(missed.token) })
    const admin = createRedisClient(t.config.REDIS_URL)
    await admin.connect()
    onTestFinished(() => admin.close())
    // Revoke without an event (as if it was published while the link was down), then drop every pub/sub link.
    await admin.del(keys(s.prefix).session(missed.sid))
    await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])
    expect(await missedClient.closed).toEqual({ code: 4401, reason: 'session_revoked' })
    await waitFor(() => t.logs.events('session.revalidated').length > 0, 'revalidation logged')
    keptClient.send({ type: 'ping', id: 'still' })
    await keptClient.next({ type: 'pong', id: 'still' })
  })
})

/** A Redis store whose event link the test can report down and up, while Redis itself answers every ping. */
class LinkStore extends RedisSessionStore {
  #onLink: ((up: boolean) => void) | undefined

  constructor(prefix: string) {
    super({ redis: connectRedis({ url: inject('redisUrl') }), prefix, ownsRedis: true })
  }

  override async subscribe(
    handler: Parameters<RedisSessionStore['subscribe']>[0],
    onLink?: (up: boolean) => void,
  ): Promise<() => Promise<void>> {
    this.#onLink = onLink
    return await super.subscribe(handler, onLink)
  }

  link(up: boolean): void {
    this.#onLink?.(up)
  }
}

describe('event link down while Redis answers pings', () => {
  test('past STORE_GRACE_MS live sockets close 1013 (events may be missed); back within it nothing closes', async () => {
    const s = shared()
    const store = new LinkStore(s.prefix)
    onTestFinished(() => store.close())
    const t = await startApp({ STORE_GRACE_MS: 600 }, { shared: s, deps: { store } })
    const brief = await connect(t.url, { headers: bearer((await t.login()).token) })
    store.link(false)
    await new Promise((r) => setTimeout(r, 200))
    store.link(true)
    await new Promise((r) => setTimeout(r, 1200))
    brief.send({ type: 'ping', id: 'still' })
    await brief.next({ type: 'pong', id: 'still' })
    store.link(false)
    expect(await brief.closed).toEqual({ code: 1013, reason: 'try_again_later' })
    expect(t.logs.events('store.unreachable')).toHaveLength(1)
  })
})
