import { describe, expect, test } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { bearer, connect, startApp } from '../helper.ts'

describe('idle, liveness, backpressure', () => {
  test('4408 after IDLE_TIMEOUT_MS without a data frame; pongs do not count', async () => {
    const t = await startApp({ IDLE_TIMEOUT_MS: 300, HEARTBEAT_INTERVAL_MS: 100 })
    const login = await t.login()
    const c = await connect(t.url, { headers: bearer(login.token) })
    let pings = 0
    c.ws.on('ping', () => (pings += 1))
    const started = Date.now()
    expect(await c.closed).toEqual({ code: 4408, reason: 'idle_timeout' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    // It answered several pings (auto-pong) and was still closed for idleness.
    expect(pings).toBeGreaterThanOrEqual(1)
  })

  test('data frames keep the socket alive', async () => {
    const t = await startApp({ IDLE_TIMEOUT_MS: 300, HEARTBEAT_INTERVAL_MS: 1000 })
    const login = await t.login()
    const c = await connect(t.url, { headers: bearer(login.token) })
    for (let i = 0; i < 6; i++) {
      c.send({ type: 'ping', id: `k${i}` })
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(c.ws.readyState).toBe(c.ws.OPEN)
  })

  test('a peer that does not answer pings is terminated', async () => {
    const t = await startApp({ HEARTBEAT_INTERVAL_MS: 100, IDLE_TIMEOUT_MS: 60_000 })
    const login = await t.login()
    const c = await connect(t.url, { headers: bearer(login.token), wsOptions: { autoPong: false } })
    const { code } = await c.closed
    expect(code).toBe(1006) // terminated: no close frame
  })

  test('a slow consumer whose send buffer passes its bound is closed 1013', { timeout: 40_000 }, async () => {
    const t = await startApp({
      SEND_BUFFER_LIMIT_BYTES: 64 * 1024,
      MSG_RATE_PER_S: 100_000,
      MSG_BURST: 100_000,
      HEARTBEAT_INTERVAL_MS: 60_000,
    })
    const slowLogin = await t.login()
    const slow = await connect(t.url, { headers: bearer(slowLogin.token) })
    slow.send({ type: 'subscribe', id: 's', channel: 'public:firehose' })
    await slow.next({ type: 'subscribed' })
    // Stop reading: the kernel buffers fill, then the server's send buffer grows.
    // oxlint-disable-next-line no-underscore-dangle -- ws keeps the net.Socket private; pausing it is the slow reader
    ;(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const pub = await connect(t.url, { headers: bearer((await t.login()).token) })
    // 4-byte code points: ~7.6 KB per frame, so a few thousand frames overflow even generous loopback buffers.
    const text = '😀'.repeat(1900)
    for (let i = 0; i < 8000 && t.logs.events('ws.backpressure').length === 0; i++) {
      pub.send({ type: 'publish', id: `p${i}`, channel: 'public:firehose', text })
      // The publisher reads its acks as it goes (a busy test process must not make IT the slow consumer).
      if (i % 100 === 99) await pub.next({ id: `p${i}` }, 15_000)
    }
    await waitFor(() => t.logs.events('ws.backpressure').length > 0, 'backpressure event', 15_000)
    expect(t.logs.events('ws.backpressure')[0]).toMatchObject({
      userId: slowLogin.userId,
      reason: 'send_buffer_full',
    })
    // The close frame sits behind the full buffer; the unresponsive peer is cut within the close grace.
    await waitFor(
      () => t.logs.events('ws.closed').find((e) => e.userId === slowLogin.userId),
      'slow consumer closed',
    )
    expect(t.logs.events('ws.backpressure').map((e) => e.userId)).toEqual([slowLogin.userId])
    expect(pub.ws.readyState).toBe(pub.ws.OPEN)
  })
})
