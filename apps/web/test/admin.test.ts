import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { useDemo } from './harness.ts'
import { expectText, messages, openAs, send } from './page.ts'

// The admin console in one window, its effects live in others: revocation, role changes, the security feed.

const t = useDemo((demo) => ({
  // The api also serves the second origin, so only the realtime server's Origin check stops that page.
  api: { ALLOWED_ORIGINS: `${demo.origin},${demo.otherOrigin}` },
}))

/** A user's card in the admin console (by user id: the console lists every user, nobody types one). */
const card = (admin: Page, userId: string) => admin.locator(`[data-user="${userId}"]`)

/** Waits until the console lists a live socket for each of `n` sessions of the user. */
async function listed(admin: Page, userId: string, n = 1): Promise<void> {
  const live = card(admin, userId).locator('[data-testid="session-sockets"].live')
  await expect.poll(() => live.count(), { timeout: 5000 }).toBe(n)
}

describe('demo: admin console', () => {
  it('lists every user and live session; clicking Revoke on bob’s session logs bob out within a second', async () => {
    const admin = await openAs(t.browser, t.demo.origin, 'admin')
    const bob = await openAs(t.browser, t.demo.origin, 'bob')
    expect(await bob.getByTestId('admin-panel').isHidden()).toBe(true)
    await expect
      .poll(() => admin.getByTestId('admin-username').allTextContents())
      .toEqual(['admin', 'alice', 'bob'])
    await listed(admin, 'u_bob')
    await expectText(admin, 'admin-users', /this window/) // the admin's own session is marked
    await card(admin, 'u_bob').getByTestId('revoke-session').click()
    // docs/reference/protocol.md: revocation closes every socket of the session within a second; the page follows.
    await bob.getByTestId('logged-out').waitFor({ state: 'visible', timeout: 1000 })
    await expectText(bob, 'logged-out', 'Logged out: session_revoked')
    await expectText(bob, 'last-close', '4401 session_revoked')
    expect(await bob.getByTestId('main').isHidden()).toBe(true)
    await expectText(admin, 'admin-result', /^Revoke bob's session .*: done$/)
    // The console updates by itself: bob has no live session left, and the feed shows the revocation.
    await expect.poll(() => card(admin, 'u_bob').getByTestId('session-row').count()).toBe(0)
    await admin.locator('[data-testid="feed-entry"][data-event="session.revoked"]').first().waitFor()
  })

  it('Revoke all logs every window of a user out', async () => {
    const admin = await openAs(t.browser, t.demo.origin, 'admin')
    const first = await openAs(t.browser, t.demo.origin, 'alice')
    const second = await openAs(t.browser, t.demo.origin, 'alice')
    await listed(admin, 'u_alice', 2)
    await card(admin, 'u_alice').getByTestId('revoke-user').click()
    for (const alice of [first, second]) {
      await alice.getByTestId('logged-out').waitFor({ state: 'visible', timeout: 1000 })
      await expectText(alice, 'events', /logged out \(session_revoked\).*close 4401 session_revoked/s)
    }
  })

  it('role toggles: admin granted and removed in bob’s window live, without a reconnect', async () => {
    const admin = await openAs(t.browser, t.demo.origin, 'admin')
    const bob = await openAs(t.browser, t.demo.origin, 'bob')
    const connectionId = await bob.getByTestId('connection-id').textContent()
    await listed(admin, 'u_bob')

    await card(admin, 'u_bob').getByTestId('role-admin').click()
    await expectText(bob, 'roles', 'user, admin')
    await expectText(bob, 'events', /roles changed: user, admin/)
    await bob.locator('[data-room="admin:ops"]').waitFor({ state: 'visible' })
    await bob.getByTestId('admin-panel').waitFor({ state: 'visible' }) // bob now has the console too
    await send(admin, 'admin:ops', 'welcome aboard')
    await expect.poll(() => messages(bob, 'admin:ops')).toContain('admin: welcome aboard')
    await expect.poll(() => card(admin, 'u_bob').getByTestId('role-admin').isChecked()).toBe(true)

    await card(admin, 'u_bob').getByTestId('role-admin').click()
    await expectText(bob, 'roles', 'user')
    await bob.locator('[data-room="admin:ops"]').waitFor({ state: 'detached' })
    await bob.getByTestId('admin-panel').waitFor({ state: 'hidden' })
    expect(await bob.getByTestId('connection-id').textContent()).toBe(connectionId)
    await expectText(bob, 'state', 'open')
    await expectText(bob, 'last-close', '—')
  })

  it('the security feed shows a refused Origin as it happens, and never reaches a non-admin', async () => {
    const admin = await openAs(t.browser, t.demo.origin, 'admin')
    const bob = await openAs(t.browser, t.demo.origin, 'bob')
    await expectText(admin, 'feed-state', 'live')
    // A page served from an origin realtime does not allow: it logs in (the api allows it), its upgrade gets 403.
    const context = await t.browser.newContext()
    const page = await context.newPage()
    await page.goto(t.demo.otherOrigin)
    await page.getByTestId('login-alice').click()
    const refusal = admin.locator('[data-testid="feed-entry"][data-reason="origin_not_allowed"]').first()
    await refusal.waitFor({ timeout: 5000 })
    expect(await refusal.getAttribute('data-event')).toBe('ws.upgrade.refused')
    expect(await refusal.textContent()).toContain(`origin ${t.demo.otherOrigin}`)
    expect(await refusal.textContent()).toContain('HTTP 403')
    expect(await bob.getByTestId('feed-entry').count()).toBe(0)
    await context.close()
  })
})
