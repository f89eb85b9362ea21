import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DebugDetails } from '../src/debug.ts'
import { fakeTimers, flush, reply, setup } from './harness.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('PortcullisClient: the debug option', () => {
  it('logs state changes, closes, retries, the queue and liveness — never a token, ticket or password', async () => {
    fakeTimers()
    const lines: Array<[string, DebugDetails | undefined]> = []
    let tickets = 0
    const t = setup({
      ticket: () => ({ status: 200, body: { ticket: `TICKET-SECRET-${++tickets}`, expiresIn: 30 } }),
      options: {
        debug: (event, details) => lines.push([event, details]),
        requestTimeoutMs: 1000,
        pongTimeoutMs: 500,
      },
    })
    await t.client.login('alice', 'alice-password')
    void t.client.connect()
    const queued = t.client.publish('public:lobby', 'hello')
    await flush()
    t.sockets[0]!.welcome()
    reply(t.sockets[0]!)
    await queued
    await t.client.refresh()
    // A request without a reply: liveness check, no pong, reconnect.
    void t.client.ping().catch(() => {})
    await flush(1500)
    await flush(1000)
    t.sockets[1]!.welcome()
    t.sockets[1]!.serverClose(4401, 'token_expired')
    await flush(1000)
    await t.client.logout()

    const events = lines.map(([event]) => event)
    expect(lines).toContainEqual(['state', { from: 'idle', to: 'connecting' }])
    expect(lines).toContainEqual(['state', { from: 'connecting', to: 'open' }])
    expect(events).toEqual(
      expect.arrayContaining([
        'request queued',
        'queue flushed',
        'welcome',
        'token renewal',
        'token',
        'request timed out',
        'liveness check',
        'liveness failed',
        'close',
        'reconnect scheduled',
        'logged out',
      ]),
    )
    expect(lines).toContainEqual([
      'close',
      { code: 4401, reason: 'token_expired', action: 'refresh_then_reconnect', willReconnect: true },
    ])
    const text = JSON.stringify(lines)
    for (const secret of ['TICKET-SECRET', 'access-', 'refresh-', 'alice-password', 'ticket=']) {
      expect(text).not.toContain(secret)
    }
  })
})
