import { afterEach, describe, expect, it, vi } from 'vitest'
import { connected, fakeTimers, flush, frames, reply, setup } from './harness.ts'

// Requests made while the socket (re)connects wait in a bounded queue, each with its own deadline,
// and go out after `welcome` in call order. Against the real stack: client.resilience.integration.test.ts.

afterEach(() => {
  vi.useRealTimers()
})

describe('PortcullisClient: requests while (re)connecting', () => {
  it('queues a request made while connecting and sends it after welcome', async () => {
    fakeTimers()
    const t = setup()
    await t.client.login('alice', 'alice-password')
    void t.client.connect()
    const published = t.client.publish('public:lobby', 'early')
    expect(t.client.queuedRequests).toBe(1)
    await flush()
    const socket = t.sockets[0]!
    expect(socket.sent).toEqual([])
    socket.welcome()
    expect(frames(socket)).toMatchObject([{ type: 'publish', channel: 'public:lobby', text: 'early' }])
    reply(socket)
    await expect(published).resolves.toMatchObject({ type: 'published', channel: 'public:lobby' })
    expect(t.client.queuedRequests).toBe(0)
  })

  it('keeps a request made after a close until the next socket, behind the restored subscriptions', async () => {
    fakeTimers()
    const t = setup()
    const first = await connected(t)
    const sub = t.client.subscribe('public:lobby')
    reply(first)
    await sub
    first.serverClose(1012, 'restart')
    expect(t.client.state).toBe('reconnecting')
    const published = t.client.publish('public:lobby', 'during the restart')
    const pong = t.client.ping()
    await flush(1000)
    const second = t.sockets[1]!
    second.welcome()
    expect(frames(second).map((f) => f.type)).toEqual(['subscribe', 'publish', 'ping'])
    for (const frame of frames(second)) reply(second, frame)
    await expect(published).resolves.toMatchObject({ type: 'published' })
    await expect(pong).resolves.toMatchObject({ type: 'pong' })
  })

  it('rejects requests already on the wire when the socket drops, and never resends them', async () => {
    fakeTimers()
    const t = setup()
    const first = await connected(t)
    const inFlight = t.client.publish('public:lobby', 'maybe delivered').catch((e: unknown) => e)
    first.serverClose(1006)
    await expect(inFlight).resolves.toMatchObject({ code: 'not_connected' })
    await flush(1000)
    t.sockets[1]!.welcome()
    expect(t.sockets[1]!.sent).toEqual([])
  })

  it('is bounded: past maxQueuedRequests a request is refused at once, the others still go out', async () => {
    fakeTimers()
    const t = setup({ options: { maxQueuedRequests: 3 } })
    await t.client.login('alice', 'alice-password')
    void t.client.connect()
    const held = ['a', 'b', 'c'].map((text) => t.client.publish('public:lobby', text))
    await expect(t.client.publish('public:lobby', 'd')).rejects.toMatchObject({
      code: 'not_connected',
      message: expect.stringContaining('3 requests already wait'),
    })
    await flush()
    const socket = t.sockets[0]!
    socket.welcome()
    expect(frames(socket).map((f) => f.text)).toEqual(['a', 'b', 'c'])
    for (const frame of frames(socket)) reply(socket, frame)
    await expect(Promise.all(held)).resolves.toHaveLength(3)
  })

  it('gives each request its own deadline, counted from the call (queue time included)', async () => {
    fakeTimers()
    const t = setup({ options: { requestTimeoutMs: 1000 } })
    await t.client.login('alice', 'alice-password')
    void t.client.connect()
    const early = t.client.ping().catch((e: unknown) => e)
    await flush(600)
    const late = t.client.ping().catch((e: unknown) => e)
    await flush(400)
    await expect(early).resolves.toMatchObject({ code: 'timeout' })
    expect(t.client.queuedRequests).toBe(1)
    // The late one waited 400 ms for the socket: it has 600 ms left for its reply.
    const socket = t.sockets[0]!
    socket.welcome()
    expect(frames(socket)).toHaveLength(1)
    await flush(599)
    expect(t.client.queuedRequests).toBe(0)
    await flush(1)
    await expect(late).resolves.toMatchObject({ code: 'timeout' })
  })

  it('fails queued requests with the reason when the client gives up (403 from the ticket call)', async () => {
    fakeTimers()
    const t = setup({ ticket: () => ({ status: 403, body: { error: 'origin_not_allowed' } }) })
    await t.client.login('alice', 'alice-password')
    void t.client.connect().catch(() => {})
    const queued = t.client.publish('public:lobby', 'never').catch((e: unknown) => e)
    await flush()
    await expect(queued).resolves.toMatchObject({ code: 'forbidden' })
    expect(t.client.state).toBe('closed')
  })

  it('fails queued requests on disconnect, and refuses requests when no socket is wanted', async () => {
    fakeTimers()
    const t = setup()
    await t.client.login('alice', 'alice-password')
    await expect(t.client.ping()).rejects.toMatchObject({ code: 'not_connected' })
    void t.client.connect().catch(() => {})
    const queued = t.client.ping().catch((e: unknown) => e)
    t.client.disconnect()
    await expect(queued).resolves.toMatchObject({ code: 'not_connected' })
    await expect(t.client.ping()).rejects.toMatchObject({ code: 'not_connected' })
  })

  it('paces a long queue by the server’s budget instead of spending the burst at once', async () => {
    fakeTimers()
    const t = setup({ options: { maxQueuedRequests: 10 } })
    await t.client.login('alice', 'alice-password')
    void t.client.connect()
    const all = Array.from({ length: 8 }, (_, i) => t.client.publish('public:lobby', `m${i}`))
    await flush()
    const socket = t.sockets[0]!
    // A burst of 5, refilled at 10 per second: one more every 100 ms.
    socket.welcome(['user'], Date.now() + 300_000, { msgBurst: 5, msgRatePerS: 10 })
    expect(socket.sent).toHaveLength(5)
    // A request made now waits behind the queue (call order holds).
    const after = t.client.ping()
    await flush(100)
    expect(socket.sent).toHaveLength(6)
    await flush(300)
    expect(frames(socket).map((f) => f.text ?? f.type)).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
      'm5',
      'm6',
      'm7',
      'ping',
    ])
    for (const frame of frames(socket)) reply(socket, frame)
    await expect(Promise.all([...all, after])).resolves.toHaveLength(9)
  })
})
