import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { refused } from '@portcullis/testkit/ws'
import { useDemo } from './harness.ts'
import { errorsOf, expectText, messages, openAs, send } from './page.ts'

// Two people chatting in headless Chromium through the real api, realtime and redis-server.

const t = useDemo()

describe('demo: chat', () => {
  // First in the file: the console then lists only this test's sessions.
  it('saves a screenshot of the main screen (PORTCULLIS_SCREENSHOT=1 writes docs/screenshot.png)', async () => {
    const admin = await openAs(t.browser, t.demo.origin, 'admin')
    const bob = await openAs(t.browser, t.demo.origin, 'bob')
    await send(bob, 'public:lobby', 'Hi! Is the deploy done?')
    await send(admin, 'public:lobby', 'Yes, rolling out now. <b>This markup stays text.</b>')
    await send(admin, 'admin:ops', 'Rotating the signing key at 17:00.')
    await bob.getByTestId('dm-to').selectOption({ label: 'admin' })
    await bob.getByTestId('dm-text').fill('Can you give me the admin role for the rollout?')
    await bob.getByTestId('dm-send').click()
    // Something for the security feed: a wrong password, and an upgrade from an origin realtime refuses.
    await fetch(`${t.stack.apiUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'guess-1234' }),
    })
    expect((await refused(`${t.stack.realtimeUrl}/v1/ws`, { origin: 'https://evil.example' })).status).toBe(
      403,
    )
    await expect.poll(() => messages(admin, 'admin:ops')).toHaveLength(1)
    await expect.poll(() => messages(admin, 'public:lobby')).toHaveLength(2)
    await expect.poll(() => messages(admin, 'user:u_admin')).toHaveLength(1)
    await expect.poll(() => admin.getByTestId('feed-entry').count()).toBeGreaterThanOrEqual(2)
    await expect.poll(() => admin.locator('[data-user="u_bob"] .sockets.live').count()).toBeGreaterThan(0)
    const png = await admin.screenshot({ fullPage: true })
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    expect(png.length).toBeLessThan(400_000)
    if (process.env.PORTCULLIS_SCREENSHOT === '1') {
      writeFileSync(fileURLToPath(new URL('../../../docs/screenshot.png', import.meta.url)), png)
    }
  })

  it('alice and bob log in in two windows and chat in the lobby', async () => {
    const alice = await openAs(t.browser, t.demo.origin, 'alice')
    const bob = await openAs(t.browser, t.demo.origin, 'bob')
    await expectText(alice, 'roles', 'user')
    await expectText(alice, 'user', /^alice \(/)
    await expect.poll(() => alice.locator('[data-room]').count()).toBe(2) // lobby + direct messages
    expect(await alice.locator('[data-room="admin:ops"]').count()).toBe(0)

    await send(alice, 'public:lobby', 'hello bob')
    await expect.poll(() => messages(bob, 'public:lobby')).toContain('alice: hello bob')
    await send(bob, 'public:lobby', 'hi alice')
    await expect.poll(() => messages(alice, 'public:lobby')).toContain('bob: hi alice')
    await expectText(alice, 'rate-budget', /^\d+ \/ 40 \(refills 20\/s\)$/)
    await expectText(alice, 'token-expiry', /^\d+ s$/)
    // The page's Content-Security-Policy allows everything the demo does: nothing was blocked.
    expect([...errorsOf(alice), ...errorsOf(bob)]).toEqual([])
    const csp = await alice.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain(t.stack.apiUrl)
  })

  it('alice messages bob privately: picked from a list, delivered to bob’s inbox only, with alice as the sender', async () => {
    const alice = await openAs(t.browser, t.demo.origin, 'alice')
    const bob = await openAs(t.browser, t.demo.origin, 'bob')
    const admin = await openAs(t.browser, t.demo.origin, 'admin')
    // The recipients on offer: everyone but yourself; nobody types an id.
    expect(await alice.getByTestId('dm-to').locator('option').allTextContents()).toEqual(['admin', 'bob'])
    await alice.getByTestId('dm-to').selectOption({ label: 'bob' })
    await alice.getByTestId('dm-text').fill('just for you, bob')
    await alice.getByTestId('dm-send').click()
    await expect.poll(() => messages(bob, 'user:u_bob')).toEqual(['alice: just for you, bob'])
    // alice keeps her own copy (the server delivers to the recipient only); nobody else sees it.
    await expect.poll(() => messages(alice, 'user:u_alice')).toEqual(['you → bob: just for you, bob'])
    expect(await messages(admin, 'user:u_admin')).toEqual([])
    // bob answers the same way.
    await bob.getByTestId('dm-to').selectOption({ label: 'alice' })
    await bob.getByTestId('dm-text').fill('thanks!')
    await bob.getByTestId('dm-send').click()
    await expect.poll(() => messages(alice, 'user:u_alice')).toContain('bob: thanks!')
  })

  it('renders an XSS payload as inert text', async () => {
    const alice = await openAs(t.browser, t.demo.origin, 'alice')
    const bob = await openAs(t.browser, t.demo.origin, 'bob')
    const payloads = [
      '<img src=x onerror="window.pwned=1">',
      '<script>window.pwned=1</script>',
      '<a href="javascript:window.pwned=1">x</a>',
    ]
    for (const text of payloads) await send(alice, 'public:lobby', text)
    await expect.poll(() => messages(bob, 'public:lobby')).toEqual(payloads.map((p) => `alice: ${p}`))
    for (const page of [alice, bob]) {
      expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined()
      expect(await page.locator('[data-room] img, [data-room] script, [data-room] a').count()).toBe(0)
    }
  })

  it('a page served from an origin the stack does not allow cannot log in or connect', async () => {
    const context = await t.browser.newContext()
    const page = await context.newPage()
    await page.goto(t.demo.otherOrigin)
    await page.getByTestId('login-alice').click()
    await expectText(page, 'login-error', /^network: .*the api does not allow this origin/)
    await expectText(page, 'last-error', /^network: /)
    await expectText(page, 'state', 'idle')
    expect(await page.getByTestId('main').isHidden()).toBe(true)
  })
})
