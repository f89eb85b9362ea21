import { describe, expect, it } from 'vitest'
import { useDemo } from './harness.ts'
import { expectText, messages, openAs, send } from './page.ts'

// The SDK's request queue in the browser: the network drops (a TCP proxy between the pages and realtime cuts every
// connection) and a message sent while the page reconnects still goes out, once the new socket is welcomed.

const t = useDemo(() => ({}), { proxyRealtime: true })

describe('demo: resilience', () => {
  it('a message sent while the socket reconnects is published on the new socket', async () => {
    const alice = await openAs(t.browser, t.demo.origin, 'alice')
    const before = await alice.getByTestId('connection-id').textContent()
    const proxy = t.proxy!
    proxy.refuse(true) // realtime unreachable for a moment
    proxy.cut() // and the open socket drops: the browser sees 1006
    await expectText(alice, 'state', /^(connecting|reconnecting)$/)
    await send(alice, 'public:lobby', 'sent while reconnecting')
    await new Promise((r) => setTimeout(r, 300))
    proxy.refuse(false)
    // alice is subscribed to the lobby again before her queued publish goes out: she sees it arrive.
    await expect
      .poll(() => messages(alice, 'public:lobby'), { timeout: 8000 })
      .toEqual(['alice: sent while reconnecting'])
    await expectText(alice, 'state', 'open')
    expect(await alice.getByTestId('connection-id').textContent()).not.toBe(before)
    await expectText(alice, 'last-close', '1006 (no reason)')
    expect(await alice.getByTestId('events').textContent()).not.toMatch(/not_connected|timeout/)
  })
})
