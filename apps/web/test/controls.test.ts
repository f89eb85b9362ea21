import { describe, expect, it } from 'vitest'
import { useDemo } from './harness.ts'
import { expectText, openAs } from './page.ts'

// The demonstration buttons and the server controls they trigger, with short windows.

const t = useDemo((demo) => ({
  // The api also serves the second origin, so only the realtime server's Origin check stops that page.
  api: { ALLOWED_ORIGINS: `${demo.origin},${demo.otherOrigin}` },
  realtime: { IDLE_TIMEOUT_MS: '2500', MSG_RATE_PER_S: '5', MSG_BURST: '10' },
}))

describe('demo: controls', () => {
  it('an idle socket is closed with 4408 idle_timeout, and the next message reopens it', async () => {
    const alice = await openAs(t.browser, t.demo.origin, 'alice')
    await expectText(alice, 'idle', /^\d s$/)
    await expectText(alice, 'last-close', '4408 idle_timeout', 8000)
    await expectText(alice, 'state', 'closed')
    await alice.getByTestId('compose-text').fill('back again')
    await alice.getByTestId('send').click()
    await expectText(alice, 'state', 'open')
  })

  it('the flood button gets rate limited, then the socket is closed with 4429', async () => {
    const bob = await openAs(t.browser, t.demo.origin, 'bob')
    await expectText(bob, 'rate-budget', /^\d+ \/ 10 \(refills 5\/s\)$/)
    await bob.getByTestId('flood').click()
    await expectText(bob, 'controls-result', /^flood: \d+ answered, [1-9]\d* rate_limited/)
    await expectText(bob, 'last-close', '4429 rate_limited')
    await expectText(bob, 'state', 'reconnecting')
  })

  it('the invalid-message button gets an invalid_message error and the socket stays open', async () => {
    const alice = await openAs(t.browser, t.demo.origin, 'alice')
    await alice.getByTestId('invalid').click()
    await expectText(alice, 'last-error', /^invalid_message: /)
    await expectText(alice, 'state', 'open')
  })

  it('a page from an origin the realtime server does not allow logs in but never connects', async () => {
    const context = await t.browser.newContext()
    const page = await context.newPage()
    await page.goto(t.demo.otherOrigin)
    await page.getByTestId('login-alice').click()
    // The browser sees only 1006 for the refused upgrade (403 before 101); the page says so and backs off.
    await expectText(page, 'last-error', /^network: the WebSocket closed before welcome \(1006\)/)
    await expectText(page, 'last-close', '1006 (no reason)')
    expect(['connecting', 'reconnecting']).toContain(await page.getByTestId('state').textContent())
  })
})
