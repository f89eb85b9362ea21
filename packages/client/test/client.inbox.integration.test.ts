import { waitFor } from '@portcullis/testkit'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import type { ChannelMessage } from '@portcullis/protocol'
import { PortcullisClient, inboxChannel } from '../src/index.ts'
import { startStack, type Stack } from '@portcullis/test-stack'

// Direct messages through `user:<id>` inboxes (docs/reference/protocol.md) between two SDK clients on the real stack.

let stack: Stack
beforeAll(async () => {
  stack = await startStack({ label: 'client' })
})
afterAll(async () => {
  await stack?.close()
})

async function online(username: string): Promise<PortcullisClient> {
  const c = new PortcullisClient({
    apiUrl: stack.apiUrl,
    realtimeUrl: stack.realtimeUrl,
    requestTimeoutMs: 5000,
  })
  onTestFinished(() => c.disconnect())
  await c.login(username, `${username}-password`)
  await c.connect()
  return c
}

describe('direct messages between SDK clients', () => {
  it('alice writes to bob’s inbox; bob receives it with the sender the server stamped', async () => {
    const alice = await online('alice')
    const bob = await online('bob')
    const direct: ChannelMessage[] = []
    bob.on('direct', (m) => direct.push(m))
    await bob.subscribeInbox()

    const sent = await alice.sendDirect(bob.user!.id, 'hi bob, just you')
    await waitFor(() => direct.length > 0, 'bob receives the direct message')
    expect(direct).toEqual([
      {
        type: 'message',
        channel: `user:${bob.user!.id}`,
        messageId: sent.messageId,
        from: { id: alice.user!.id, username: 'alice' },
        text: 'hi bob, just you',
        ts: expect.any(Number),
      },
    ])
  })

  it('an inbox stays private: nobody else may subscribe, and a sender cannot claim another `from`', async () => {
    const alice = await online('alice')
    const bob = await online('bob')
    await expect(alice.subscribe(inboxChannel(bob.user!.id))).rejects.toMatchObject({ code: 'forbidden' })
    const errors: string[] = []
    alice.on('error', (e) => errors.push(e.code))
    const received: ChannelMessage[] = []
    bob.on('direct', (m) => received.push(m))
    await bob.subscribeInbox()
    alice.sendRaw(
      JSON.stringify({
        type: 'publish',
        id: 'forged-1',
        channel: inboxChannel(bob.user!.id),
        text: 'from admin, honest',
        from: { id: 'u_admin', username: 'admin' },
      }),
    )
    await waitFor(() => errors.includes('invalid_message'), 'the forged frame is refused')
    await expect(alice.ping()).resolves.toMatchObject({ type: 'pong' })
    expect(received).toEqual([])
  })
})
