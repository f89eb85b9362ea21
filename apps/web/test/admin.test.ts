import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { useDemo } from './harness.ts'
import { expectText, messages, openAs, send } from './page.ts'

// The admin panel in one window, its effects live in another: revocation and role changes.

const t = useDemo()

/** The user id the page shows in its status panel ("alice (u_alice)"). */
async function userId(page: Page): Promise<string> {
  const text = (await page.getByTestId('user').textContent()) ?? ''
  return /\(([^)]+)\)$/.exec(text)?.[1] ?? ''
}

describe('demo: admin panel', () => {
  it('admin revokes alice’s sessions: alice’s page shows logged out within a second', async () => {
    const admin = await openAs(t.browser, t.demo.origin, 'admin')
    const alice = await openAs(t.browser, t.demo.origin, 'alice')
    expect(await alice.getByTestId('admin-panel').isHidden()).toBe(true)
    await admin.getByTestId('admin-user-id').fill(await userId(alice))
    await admin.getByTestId('admin-revoke-user').click()
    // docs/reference/protocol.md: revocation closes every socket of the session within a second; the page follows at once.
    await alice.getByTestId('logged-out').waitFor({ state: 'visible', timeout: 1000 })
    await expectText(alice, 'logged-out', 'Logged out: session_revoked')
    await expectText(alice, 'last-close', '4401 session_revoked')
    await expectText(alice, 'events', /logged out \(session_revoked\).*close 4401 session_revoked/s)
    await expectText(alice, 'state', 'idle')
    expect(await alice.getByTestId('main').isHidden()).toBe(true)
    await expectText(admin, 'admin-result', 'Revoke all sessions: done')
  })

  it('admin grants and removes a role: the admin room appears and disappears without a reconnect', async () => {
    const admin = await openAs(t.browser, t.demo.origin, 'admin')
    const bob = await openAs(t.browser, t.demo.origin, 'bob')
    const connectionId = await bob.getByTestId('connection-id').textContent()
    await admin.getByTestId('admin-user-id').fill(await userId(bob))

    await admin.getByTestId('admin-role-admin').check()
    await admin.getByTestId('admin-set-roles').click()
    await expectText(bob, 'roles', 'user, admin')
    await expectText(bob, 'events', /roles changed: user, admin/)
    await bob.locator('[data-room="admin:ops"]').waitFor({ state: 'visible' })
    await send(admin, 'admin:ops', 'welcome aboard')
    await expect.poll(() => messages(bob, 'admin:ops')).toContain('admin: welcome aboard')

    await admin.getByTestId('admin-role-admin').uncheck()
    await admin.getByTestId('admin-set-roles').click()
    await expectText(bob, 'roles', 'user')
    await bob.locator('[data-room="admin:ops"]').waitFor({ state: 'detached' })
    expect(await bob.getByTestId('admin-panel').isHidden()).toBe(true)
    expect(await bob.getByTestId('connection-id').textContent()).toBe(connectionId)
    await expectText(bob, 'state', 'open')
    await expectText(bob, 'last-close', '—')
  })
})
