import { waitFor } from '@portcullis/testkit'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { PortcullisClient, type CloseInfo } from '../src/index.ts'
import { startStack, type Stack } from '@portcullis/test-stack'

// The server's limits as the SDK sees them, with short windows so nothing waits for production defaults.

let stack: Stack
beforeAll(async () => {
  stack = await startStack({
    label: 'client',
    realtime: { IDLE_TIMEOUT_MS: '1200', MSG_RATE_PER_S: '2', MSG_BURST: '5' },
  })
})
afterAll(async () => {
  await stack?.close()
})

async function online(username: string): Promise<PortcullisClient> {
  const c = new PortcullisClient({
    apiUrl: stack.apiUrl,
    realtimeUrl: stack.realtimeUrl,
    // Long enough that a back-off reconnect never happens inside a test.
    rateLimitedDelayMs: 60_000,
  })
  onTestFinished(() => c.disconnect())
  await c.login(username, `${username}-password`)
  await c.connect()
  return c
}

describe('client SDK and the server limits', () => {
  it('after an idle close (4408) stays closed, then reopens on demand for the next request', async () => {
    const alice = await online('alice')
    const closes: CloseInfo[] = []
    alice.on('close', (c) => closes.push(c))
    await waitFor(() => closes.length > 0, 'idle close', 5000)
    expect(closes[0]).toMatchObject({
      code: 4408,
      reason: 'idle_timeout',
      action: 'reconnect_on_demand',
      willReconnect: false,
    })
    expect(alice.state).toBe('closed')
    await expect(alice.ping()).resolves.toMatchObject({ type: 'pong' })
    expect(alice.state).toBe('open')
  })

  it('a flood gets rate_limited replies, then close 4429, and the SDK backs off', async () => {
    const bob = await online('bob')
    expect(bob.rateBudget()).toEqual({ tokens: 5, burst: 5, ratePerS: 2 })
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => bob.ping()))
    const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as { code: string }).code))
    expect(codes.filter((c) => c === 'ok').length).toBeGreaterThan(0)
    expect(codes).toContain('rate_limited')
    await waitFor(() => bob.lastClose, '4429 close')
    expect(bob.lastClose).toMatchObject({
      code: 4429,
      reason: 'rate_limited',
      action: 'back_off',
      willReconnect: true,
    })
    expect(bob.state).toBe('reconnecting')
    expect(bob.rateBudget().tokens).toBe(0)
  })
})
