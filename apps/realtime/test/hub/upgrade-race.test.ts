import { describe, expect, test } from 'vitest'
import { connectRedis, keys, RedisSessionStore } from '@portcullis/sessions/redis'
import type { SessionRecord } from '@portcullis/sessions'
import { inject, onTestFinished } from 'vitest'
import { userRolesChanged } from '@portcullis/sessions'
import { bearer, connect, shared, startApp } from '../helper.ts'

/**
 * A Redis store whose session read returns what Redis said, but only once the test opens the gate: the window
 * between an upgrade's session read and its socket's registration, held open so an event can land in it.
 */
class GatedStore extends RedisSessionStore {
  gate: Promise<void> | null = null
  #open: (() => void) | null = null
  reading: Promise<void>
  #read!: () => void

  constructor(prefix: string) {
    super({ redis: connectRedis({ url: inject('redisUrl') }), prefix, ownsRedis: true })
    this.reading = new Promise((resolve) => (this.#read = resolve))
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.#open = resolve))
    this.reading = new Promise((resolve) => (this.#read = resolve))
  }

  release(): void {
    this.#open?.()
    this.gate = null
  }

  override async getSession(sid: string): Promise<SessionRecord | null> {
    const session = await super.getSession(sid)
    if (this.gate) {
      this.#read()
      await this.gate
    }
    return session
  }
}

async function gatedApp() {
  const s = shared()
  const store = new GatedStore(s.prefix)
  onTestFinished(() => store.close())
  const t = await startApp({}, { shared: s, deps: { store } })
  return { t, store }
}

describe('no revocation or role change lost to an upgrade in flight', () => {
  test('a session revoked between the upgrade’s session read and its registration is closed 4401', async () => {
    const { t, store } = await gatedApp()
    const login = await t.login('alice')
    store.hold()
    const pending = connect(t.url, { headers: bearer(login.token) })
    await store.reading // the upgrade has read the (still live) session
    await t.store.revokeSession(login.sid, 'logout')
    await new Promise((r) => setTimeout(r, 100)) // the event reaches this instance while the upgrade waits
    store.release()
    // The socket is registered with its (stale) welcome and closed at once: never a live socket of a revoked session.
    const c = await pending
    expect(await c.closed).toEqual({ code: 4401, reason: 'session_revoked' })
  })

  test('a role change between the upgrade’s role read and its registration reaches the new socket', async () => {
    const { t, store } = await gatedApp()
    const login = await t.login('root', ['user', 'admin'])
    store.hold()
    const pending = connect(t.url, { headers: bearer(login.token) })
    await store.reading
    await t.store.setRoles('root', ['user'])
    await new Promise((r) => setTimeout(r, 100))
    store.release()
    const c = await pending
    expect(await c.next({ type: 'session.updated' })).toEqual({ type: 'session.updated', roles: ['user'] })
    c.send({ type: 'subscribe', id: 'a', channel: 'admin:ops' })
    expect(await c.next({ id: 'a' })).toMatchObject({ type: 'error', code: 'forbidden' })
  })
})

describe('role events are applied from the store, never from their payload', () => {
  test('a forged user.roles_changed granting admin grants nothing: the store’s roles apply', async () => {
    const t = await startApp()
    const login = await t.login('mallory', ['user'])
    const c = await connect(t.url, { headers: bearer(login.token) })
    await t.store.publish(userRolesChanged('mallory', ['user', 'admin']))
    expect(await c.next({ type: 'session.updated' })).toEqual({ type: 'session.updated', roles: ['user'] })
    c.send({ type: 'subscribe', id: 'a', channel: 'admin:ops' })
    expect(await c.next({ id: 'a' })).toMatchObject({ type: 'error', code: 'forbidden' })
  })

  test('missing or corrupt roles in the store close the user’s sockets 4401', async () => {
    const s = shared()
    const t = await startApp({}, { shared: s })
    const raw = t.redis
    const login = await t.login('ghost', ['user'])
    const c = await connect(t.url, { headers: bearer(login.token) })
    await raw.set(keys(s.prefix).roles('ghost'), '["root"]')
    await t.store.publish(userRolesChanged('ghost', ['user']))
    expect(await c.closed).toEqual({ code: 4401, reason: 'session_revoked' })
  })
})

describe('auth.refresh re-checks the store', () => {
  test('a session deleted without its event (missed) is closed at the next auth.refresh', async () => {
    const s = shared()
    const t = await startApp({}, { shared: s })
    const raw = t.redis
    const login = await t.login('alice')
    const c = await connect(t.url, { headers: bearer(login.token) })
    await raw.del(keys(s.prefix).session(login.sid)) // gone from the store, no event published
    c.send({ type: 'auth.refresh', id: 'r', accessToken: login.token })
    expect(await c.closed).toEqual({ code: 4401, reason: 'session_revoked' })
    expect(c.frames.filter((f) => f.type === 'auth.refreshed')).toHaveLength(0)
  })

  test('roles changed without their event are applied at the next auth.refresh', async () => {
    const s = shared()
    const t = await startApp({}, { shared: s })
    const raw = t.redis
    const login = await t.login('root', ['user', 'admin'])
    const c = await connect(t.url, { headers: bearer(login.token) })
    c.send({ type: 'subscribe', id: 'a', channel: 'admin:ops' })
    await c.next({ id: 'a', type: 'subscribed' })
    await raw.set(keys(s.prefix).roles('root'), '["user"]')
    c.send({ type: 'auth.refresh', id: 'r', accessToken: login.token })
    expect(await c.next({ id: 'r' })).toMatchObject({ type: 'auth.refreshed' })
    expect(c.frames.find((f) => f.type === 'session.updated')).toEqual({
      type: 'session.updated',
      roles: ['user'],
    })
    expect(await c.next({ type: 'unsubscribed' })).toMatchObject({
      channel: 'admin:ops',
      reason: 'forbidden',
    })
  })
})
