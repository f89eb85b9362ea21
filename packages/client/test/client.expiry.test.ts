import { waitFor } from '@portcullis/testkit'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { PortcullisClient } from '../src/index.ts'
import { startStack, type Stack } from '@portcullis/test-stack'

// Token expiry on a live socket: the server warns (`auth.expiring`), the SDK refreshes and hands the new
// token over (`auth.refresh`), the socket lives on. Short windows: a 10 s token, warned 8 s before expiry.

let stack: Stack
beforeAll(async () => {
  stack = await startStack({
    label: 'client',
    api: { ACCESS_TOKEN_TTL_S: '10' },
    realtime: { EXPIRY_WARNING_S: '8' },
  })
})
afterAll(async () => {
  await stack?.close()
})

describe('client SDK and token expiry', () => {
  it('refreshes on auth.expiring and moves the socket expiry without reconnecting', async () => {
    const alice = new PortcullisClient({ apiUrl: stack.apiUrl, realtimeUrl: stack.realtimeUrl })
    onTestFinished(() => alice.disconnect())
    const warnings: number[] = []
    alice.on('expiring', (e) => warnings.push(e.expiresAt))
    await alice.login('alice', 'alice-password')
    const welcome = await alice.connect()
    const firstExpiry = alice.socketExpiresAt
    expect(firstExpiry).toBe(welcome.expiresAt)

    await waitFor(() => warnings.length > 0, 'auth.expiring', 6000)
    expect(warnings[0]).toBe(firstExpiry)
    await waitFor(() => alice.socketExpiresAt > firstExpiry, 'auth.refreshed', 5000)
    expect(alice.tokenExpiresAt).toBeGreaterThan(firstExpiry)
    expect(alice.state).toBe('open')
    expect(alice.lastClose).toBeUndefined()
    expect((await alice.connect()).connectionId).toBe(welcome.connectionId)
  })
})
