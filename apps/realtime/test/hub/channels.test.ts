import { describe, expect, test } from 'vitest'
import { canPublish, canSubscribe } from '../../src/hub/channels.ts'
import { bearer, connect, shared, startApp } from '../helper.ts'

describe('channel rules', () => {
  test('subscribe: public any user, admin:* role admin, user:<id> that user only', () => {
    expect(canSubscribe('public:lobby', 'alice', ['user'])).toBe(true)
    expect(canSubscribe('admin:ops', 'alice', ['user'])).toBe(false)
    expect(canSubscribe('admin:ops', 'root', ['user', 'admin'])).toBe(true)
    expect(canSubscribe('user:alice', 'alice', ['user'])).toBe(true)
    expect(canSubscribe('user:alice', 'bob', ['user', 'admin'])).toBe(false)
    expect(canSubscribe('other:x', 'alice', ['admin'])).toBe(false)
  })

  test('publish: as subscribe, except that user:<id> is an inbox any user may write to', () => {
    expect(canPublish('public:lobby', 'alice', ['user'])).toBe(true)
    expect(canPublish('admin:ops', 'alice', ['user'])).toBe(false)
    expect(canPublish('admin:ops', 'root', ['user', 'admin'])).toBe(true)
    expect(canPublish('user:alice', 'bob', ['user'])).toBe(true)
    expect(canPublish('user:alice', 'alice', ['user'])).toBe(true)
    expect(canPublish('other:x', 'alice', ['admin'])).toBe(false)
  })

  test('the security feed admin:security: admins read it, nobody writes to it (only the servers publish)', () => {
    expect(canSubscribe('admin:security', 'root', ['user', 'admin'])).toBe(true)
    expect(canSubscribe('admin:security', 'alice', ['user'])).toBe(false)
    expect(canPublish('admin:security', 'root', ['user', 'admin'])).toBe(false)
    expect(canPublish('admin:security', 'alice', ['user'])).toBe(false)
  })
})

describe('channels', () => {
  test('authorization on subscribe and on publish; forbidden → error, not processed', async () => {
    const t = await startApp()
    const alice = await connect(t.url, { headers: bearer((await t.login('alice', ['user'])).token) })
    for (const [type, channel] of [
      ['subscribe', 'admin:ops'],
      ['subscribe', 'user:bob'],
      ['publish', 'admin:ops'],
    ] as const) {
      const id = `${type}-${channel}`
      alice.send(type === 'publish' ? { type, id, channel, text: 'hi' } : { type, id, channel })
      expect(await alice.next({ id })).toMatchObject({ type: 'error', code: 'forbidden' })
    }
    alice.send({ type: 'subscribe', id: 's1', channel: 'user:alice' })
    expect(await alice.next({ id: 's1' })).toEqual({ type: 'subscribed', id: 's1', channel: 'user:alice' })
    alice.send({ type: 'unsubscribe', id: 'u1', channel: 'user:alice' })
    expect(await alice.next({ id: 'u1' })).toEqual({
      type: 'unsubscribed',
      id: 'u1',
      channel: 'user:alice',
      reason: 'requested',
    })
    alice.send({ type: 'unsubscribe', id: 'u2', channel: 'user:alice' })
    expect(await alice.next({ id: 'u2' })).toMatchObject({ type: 'error', code: 'not_subscribed' })
  })

  test('a publish crosses instances; message carries server-set from, messageId, ts; never the sender’s claims', async () => {
    const s = shared()
    const a = await startApp({}, { shared: s })
    const b = await startApp({}, { shared: s })
    const aliceLogin = await a.login('alice', ['user'], { username: 'alice' })
    const bobLogin = await b.login('bob', ['user'], { username: 'bob' })
    const alice = await connect(a.url, { headers: bearer(aliceLogin.token) })
    const bob = await connect(b.url, { headers: bearer(bobLogin.token) })
    for (const c of [alice, bob]) {
      c.send({ type: 'subscribe', id: 'sub', channel: 'public:lobby' })
      await c.next({ type: 'subscribed' })
    }
    const before = Date.now()
    alice.send({ type: 'publish', id: 'p1', channel: 'public:lobby', text: '<b>hi</b> 👋' })
    const published = await alice.next({ type: 'published' })
    expect(published).toMatchObject({ id: 'p1', channel: 'public:lobby', messageId: expect.any(String) })
    const received = await bob.next({ type: 'message' })
    expect(received).toEqual({
      type: 'message',
      channel: 'public:lobby',
      messageId: published.messageId,
      from: { id: 'alice', username: 'alice' },
      text: '<b>hi</b> 👋',
      ts: expect.any(Number),
    })
    expect(received.ts as number).toBeGreaterThanOrEqual(before - 5)
    // the sender's own subscription receives it too
    await alice.next({ type: 'message' })
    // a non-subscriber does not
    const carol = await connect(b.url, { headers: bearer((await b.login('carol')).token) })
    alice.send({ type: 'publish', id: 'p2', channel: 'public:lobby', text: 'again' })
    await bob.next((f) => f.type === 'message' && f.text === 'again')
    expect(carol.frames.filter((f) => f.type === 'message')).toHaveLength(0)
  })

  test('user:<id> is an inbox: anyone may write, only the owner reads, from is set by the server', async () => {
    const s = shared()
    const a = await startApp({}, { shared: s })
    const b = await startApp({}, { shared: s })
    const alice = await connect(a.url, {
      headers: bearer((await a.login('alice', ['user'], { username: 'alice' })).token),
    })
    const bob = await connect(b.url, {
      headers: bearer((await b.login('bob', ['user'], { username: 'bob' })).token),
    })
    bob.send({ type: 'subscribe', id: 'in', channel: 'user:bob' })
    await bob.next({ id: 'in', type: 'subscribed' })
    // Alice may not read Bob's inbox …
    alice.send({ type: 'subscribe', id: 'peek', channel: 'user:bob' })
    expect(await alice.next({ id: 'peek' })).toMatchObject({ type: 'error', code: 'forbidden' })
    // … but may write to it, across instances; the sender is the server's record of who she is.
    alice.send({ type: 'publish', id: 'dm', channel: 'user:bob', text: 'hi bob' })
    expect(await alice.next({ id: 'dm' })).toMatchObject({ type: 'published', channel: 'user:bob' })
    expect(await bob.next({ type: 'message' })).toMatchObject({
      channel: 'user:bob',
      from: { id: 'alice', username: 'alice' },
      text: 'hi bob',
    })
    expect(alice.frames.filter((f) => f.type === 'message')).toHaveLength(0)
  })

  test('MAX_SUBSCRIPTIONS per socket; subscribing twice is idempotent', async () => {
    const t = await startApp({ MAX_SUBSCRIPTIONS: 2 })
    const c = await connect(t.url, { headers: bearer((await t.login('alice')).token) })
    for (const [id, channel] of [
      ['1', 'public:a'],
      ['2', 'public:a'],
      ['3', 'public:b'],
    ])
      c.send({ type: 'subscribe', id, channel })
    await c.next({ id: '3', type: 'subscribed' })
    expect(await c.next({ id: '2' })).toMatchObject({ type: 'subscribed', channel: 'public:a' })
    c.send({ type: 'subscribe', id: '4', channel: 'public:c' })
    expect(await c.next({ id: '4' })).toMatchObject({ type: 'error', code: 'too_many_subscriptions' })
  })

  test('unknown fields in a publish (e.g. a forged from) are rejected', async () => {
    const t = await startApp()
    const c = await connect(t.url, { headers: bearer((await t.login('alice')).token) })
    c.send({
      type: 'publish',
      id: 'f',
      channel: 'public:x',
      text: 'hi',
      from: { id: 'admin', username: 'admin' },
    })
    expect(await c.next({ id: 'f' })).toMatchObject({ type: 'error', code: 'invalid_message' })
  })
})
