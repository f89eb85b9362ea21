import { afterEach, describe, expect, it, vi } from 'vitest'
import { connected, fakeTimers, flush, reply, setup } from './harness.ts'

// Direct messages: publish to another user's inbox `user:<id>`; receive your own as `direct` events.
// Against the real stack: client.inbox.integration.test.ts.

afterEach(() => {
  vi.useRealTimers()
})

describe('PortcullisClient: direct messages', () => {
  it('sendDirect publishes to the recipient’s inbox channel', async () => {
    fakeTimers()
    const t = setup()
    const socket = await connected(t)
    const sent = t.client.sendDirect('u-bob', 'hi bob')
    expect(socket.lastSent()).toMatchObject({ type: 'publish', channel: 'user:u-bob', text: 'hi bob' })
    reply(socket)
    await expect(sent).resolves.toMatchObject({ type: 'published', channel: 'user:u-bob' })
    await expect(t.client.sendDirect('bob:lobby', 'x')).rejects.toThrow(TypeError)
  })

  it('subscribeInbox subscribes to your own inbox; its messages also arrive as `direct`', async () => {
    fakeTimers()
    const t = setup()
    const socket = await connected(t)
    const sub = t.client.subscribeInbox()
    expect(socket.lastSent()).toMatchObject({ type: 'subscribe', channel: 'user:u-alice' })
    reply(socket)
    await sub
    expect(t.client.channels).toEqual(['user:u-alice'])
    const dm = {
      type: 'message',
      channel: 'user:u-alice',
      messageId: 'm1',
      from: { id: 'u-bob', username: 'bob' },
      text: 'hi alice',
      ts: Date.now(),
    }
    socket.push(dm)
    socket.push({ ...dm, channel: 'public:lobby', messageId: 'm2' })
    expect(t.seen.filter(([e]) => e === 'direct')).toEqual([['direct', dm]])
  })

  it('subscribeInbox waits for welcome when only the socket knows who you are', async () => {
    fakeTimers()
    const t = setup({ options: { tokenProvider: async () => ({ accessToken: 'x', expiresIn: 300 }) } })
    await expect(t.client.subscribeInbox()).rejects.toMatchObject({ code: 'not_connected' })
    void t.client.connect()
    const sub = t.client.subscribeInbox()
    await flush()
    const socket = t.sockets[0]!
    socket.welcome()
    await flush()
    expect(socket.lastSent()).toMatchObject({ type: 'subscribe', channel: 'user:u-alice' })
    reply(socket)
    await expect(sub).resolves.toMatchObject({ channel: 'user:u-alice' })
  })
})
