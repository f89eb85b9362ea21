import { afterEach, describe, expect, it, vi } from 'vitest'
import { connected, fakeTimers, flush, frames, reply, setup } from './harness.ts'

// Half-open detection: a request without a reply makes the socket suspect; ONE ping, then a reconnect if
// nothing comes back. The browser's `online` event reconnects at once. Nothing pings while the app is quiet.

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('PortcullisClient: a socket that stops answering', () => {
  it('after a request timed out, pings once and replaces the socket when no pong comes', async () => {
    fakeTimers()
    const t = setup({ options: { requestTimeoutMs: 10_000, pongTimeoutMs: 5000 } })
    const socket = await connected(t)
    const published = t.client.publish('public:lobby', 'into the void').catch((e: unknown) => e)
    await flush(10_000)
    await expect(published).resolves.toMatchObject({ code: 'timeout' })
    expect(frames(socket).map((f) => f.type)).toEqual(['publish', 'ping'])
    await flush(4999)
    expect(socket.closedWith).toBeUndefined()
    expect(t.client.state).toBe('open')
    await flush(1)
    // Closed by the client without waiting for a close handshake that cannot complete.
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'unresponsive' })
    expect(t.client.lastClose).toMatchObject({
      code: 1006,
      reason: 'unresponsive',
      action: 'reconnect',
      willReconnect: true,
    })
    expect(t.client.state).toBe('reconnecting')
    await flush(1000)
    expect(t.sockets).toHaveLength(2)
    t.sockets[1]!.welcome()
    expect(t.client.state).toBe('open')
    // The old socket's late close event changes nothing.
    socket.serverClose(1006)
    expect(t.client.state).toBe('open')
  })

  it('keeps the socket when the pong (or any frame) comes back in time', async () => {
    fakeTimers()
    const t = setup({ options: { requestTimeoutMs: 1000, pongTimeoutMs: 500 } })
    const socket = await connected(t)
    void t.client.ping().catch(() => {})
    await flush(1000)
    expect(frames(socket).map((f) => f.type)).toEqual(['ping', 'ping'])
    reply(socket)
    await flush(60_000)
    expect(socket.closedWith).toBeUndefined()
    expect(t.sockets).toHaveLength(1)

    // Another suspicion; this time a push answers (the server is alive, just slow to reply).
    void t.client.ping().catch(() => {})
    await flush(1000)
    socket.push({ type: 'session.updated', roles: ['user'] })
    await flush(60_000)
    expect(socket.closedWith).toBeUndefined()
  })

  it('sends one ping per suspicion, however many requests time out together', async () => {
    fakeTimers()
    const t = setup({ options: { requestTimeoutMs: 1000, pongTimeoutMs: 500 } })
    const socket = await connected(t)
    for (let i = 0; i < 5; i++) void t.client.publish('public:lobby', `m${i}`).catch(() => {})
    await flush(1000)
    expect(frames(socket).filter((f) => f.type === 'ping')).toHaveLength(1)
  })

  it('never pings on its own while the app is quiet, so the server’s idle close still works', async () => {
    fakeTimers()
    // A 2 h token: no refresh hand-over (`auth.refresh`, itself a client frame) within the half hour.
    const t = setup({ expiresIn: 7200 })
    const socket = await connected(t)
    await flush(30 * 60_000)
    expect(socket.sent).toEqual([])
    socket.serverClose(4408, 'idle_timeout')
    expect(t.client.state).toBe('closed')
  })
})

/** A browser-like global scope whose `online` event the test fires; `listeners` counts live listeners. */
function stubBrowser(): EventTarget & { listeners: number } {
  const target = Object.assign(new EventTarget(), { listeners: 0 })
  vi.stubGlobal('addEventListener', (type: string, listener: () => void) => {
    target.listeners++
    target.addEventListener(type, listener)
  })
  vi.stubGlobal('removeEventListener', (type: string, listener: () => void) => {
    target.listeners--
    target.removeEventListener(type, listener)
  })
  vi.stubGlobal('navigator', { onLine: true })
  return target
}

describe('PortcullisClient: the browser’s online event', () => {
  it('reconnects at once instead of waiting out the backoff', async () => {
    fakeTimers()
    const browser = stubBrowser()
    const t = setup({ options: { backoff: { baseMs: 60_000, maxMs: 60_000 } } })
    const socket = await connected(t)
    socket.serverClose(1006)
    const queued = t.client.publish('public:lobby', 'typed while offline')
    await flush(1000)
    expect(t.sockets).toHaveLength(1) // the backoff wait is 30 s
    browser.dispatchEvent(new Event('online'))
    await flush()
    expect(t.sockets).toHaveLength(2)
    t.sockets[1]!.welcome()
    reply(t.sockets[1]!)
    await expect(queued).resolves.toMatchObject({ type: 'published' })
  })

  it('does not cut short a wait the server asked for (4429)', async () => {
    fakeTimers()
    const browser = stubBrowser()
    const t = setup()
    const socket = await connected(t)
    socket.serverClose(4429, 'rate_limited')
    browser.dispatchEvent(new Event('online'))
    await flush(1000)
    expect(t.sockets).toHaveLength(1)
  })

  it('checks an open socket with one ping, and replaces it when nothing answers', async () => {
    fakeTimers()
    const browser = stubBrowser()
    const t = setup({ options: { pongTimeoutMs: 3000 } })
    const socket = await connected(t)
    browser.dispatchEvent(new Event('online'))
    browser.dispatchEvent(new Event('online'))
    expect(frames(socket).map((f) => f.type)).toEqual(['ping'])
    await flush(3000)
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'unresponsive' })
    await flush(1000)
    expect(t.sockets).toHaveLength(2)
  })

  it('stops listening once no socket is wanted', async () => {
    fakeTimers()
    const browser = stubBrowser()
    const t = setup()
    const socket = await connected(t)
    expect(browser.listeners).toBe(1)
    // Reconnects, and a connect() while reconnecting, do not add listeners.
    socket.serverClose(1012, 'restart')
    const again = t.client.connect()
    await flush(1000)
    t.sockets[1]!.welcome()
    await again
    expect(browser.listeners).toBe(1)
    t.client.disconnect()
    expect(browser.listeners).toBe(0)
    browser.dispatchEvent(new Event('online'))
    await flush(1000)
    expect(t.sockets[1]!.sent).toEqual([])
    expect(t.sockets).toHaveLength(2)
    expect(t.client.state).toBe('closed')
  })
})
