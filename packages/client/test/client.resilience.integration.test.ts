import { setTimeout as sleep } from 'node:timers/promises'
import { waitFor } from '@portcullis/testkit'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { ApiClient } from '../src/http.ts'
import { PortcullisClient, type ClientOptions, type LoginReply } from '../src/index.ts'
import type { TokenRequestReason } from '../src/token-provider.ts'
import { startStack, type Stack } from '@portcullis/test-stack'
import { tcpProxy, type TcpProxy } from '@portcullis/testkit/tcp-proxy'

// Resilience against the real api + realtime + redis-server. Network trouble is made with a loopback TCP
// proxy between the SDK and realtime: `cut` drops every connection, `freeze` leaves them half-open,
// `refuse` makes the server unreachable.

let stack: Stack
beforeAll(async () => {
  // Reconnect loops connect more often than a page would: keep the per-IP connect budget out of the way.
  stack = await startStack({ label: 'client', realtime: { CONNECT_RATE_PER_MIN: '1000' } })
})
afterAll(async () => {
  await stack?.close()
})

function client(options: Partial<ClientOptions> = {}): PortcullisClient {
  const c = new PortcullisClient({
    apiUrl: stack.apiUrl,
    realtimeUrl: stack.realtimeUrl,
    backoff: { baseMs: 50, maxMs: 300 },
    requestTimeoutMs: 5000,
    ...options,
  })
  onTestFinished(() => c.disconnect())
  return c
}

async function proxy(): Promise<TcpProxy> {
  const p = await tcpProxy(stack.realtimeUrl)
  onTestFinished(() => p.close())
  return p
}

/** bob in the lobby, recording what he hears. */
async function listener(): Promise<string[]> {
  const bob = client()
  await bob.login('bob', 'bob-password')
  await bob.connect()
  await bob.subscribe('public:lobby')
  const heard: string[] = []
  bob.on('message', (m) => heard.push(m.text))
  return heard
}

describe('client SDK resilience against the real stack', () => {
  it('a request issued during a reconnect still resolves, once the new socket is welcomed', async () => {
    const network = await proxy()
    const heard = await listener()
    const alice = client({ realtimeUrl: network.url })
    await alice.login('alice', 'alice-password')
    const first = await alice.connect()
    const requests: Array<Promise<unknown>> = []
    alice.once('close', () => requests.push(alice.publish('public:lobby', 'sent in the close event')))
    alice.once('state', ({ state }) => {
      if (state === 'reconnecting') requests.push(alice.publish('public:lobby', 'sent while reconnecting'))
    })
    network.cut()
    await waitFor(() => requests.length === 2, 'both requests issued')
    const replies = await Promise.all(requests)
    expect(replies).toMatchObject([{ type: 'published' }, { type: 'published' }])
    expect(alice.lastClose).toMatchObject({ code: 1006, willReconnect: true })
    expect((await alice.connect()).connectionId).not.toBe(first.connectionId)
    await waitFor(() => heard.length === 2, 'bob hears both')
    expect(heard).toEqual(['sent in the close event', 'sent while reconnecting'])
  })

  it('requests made while realtime is unreachable wait, and go out in order once it is back', async () => {
    const network = await proxy()
    const heard = await listener()
    const alice = client({ realtimeUrl: network.url })
    const failures: string[] = []
    alice.on('error', (e) => failures.push(e.code))
    await alice.login('alice', 'alice-password')
    await alice.connect()
    network.refuse(true)
    network.cut()
    await waitFor(() => alice.state !== 'open', 'the drop is noticed')
    const texts = ['one', 'two', 'three']
    const published = texts.map((text) => alice.publish('public:lobby', text))
    const acceptedBefore = network.accepted
    await waitFor(() => network.accepted >= acceptedBefore + 2, 'reconnect attempts fail', 3000)
    expect(alice.queuedRequests).toBe(3)
    expect(failures).toContain('network')
    network.refuse(false)
    await expect(Promise.all(published)).resolves.toHaveLength(3)
    await waitFor(() => heard.length === 3, 'bob hears all three')
    expect(heard).toEqual(texts)
  })

  it('detects a half-open socket: the request times out, one ping gets no pong, the SDK reconnects', async () => {
    const network = await proxy()
    const heard: string[] = []
    const alice = client({ realtimeUrl: network.url, requestTimeoutMs: 800, pongTimeoutMs: 400 })
    alice.on('message', (m) => heard.push(m.text))
    await alice.login('alice', 'alice-password')
    const first = await alice.connect()
    await alice.subscribe('public:lobby')
    network.freeze()
    const started = Date.now()
    await expect(alice.ping()).rejects.toMatchObject({ code: 'timeout' })
    await waitFor(() => alice.lastClose?.reason === 'unresponsive', 'the socket is declared dead', 2000)
    const second = await alice.connect()
    const elapsedMs = Date.now() - started
    expect(second.connectionId).not.toBe(first.connectionId)
    expect(alice.lastClose).toMatchObject({ code: 1006, action: 'reconnect' })
    // 800 ms request timeout + 400 ms for the pong + backoff and a new upgrade.
    expect(elapsedMs).toBeLessThan(3000)
    // The subscription came back with the new socket.
    const bob = client()
    await bob.login('bob', 'bob-password')
    await bob.connect()
    // The restore's `subscribed` may still be on its way: bob says it again every 200 ms until alice hears.
    await waitFor(
      async () => {
        await bob.publish('public:lobby', 'after the reconnect')
        await sleep(200)
        return heard.includes('after the reconnect')
      },
      'alice hears the lobby again',
      3000,
    )
  })

  it('runs a whole session on tokens the app holds (tokenProvider), with no password in the SDK', async () => {
    // The app's own token source; `login` stands in for `POST /v1/auth/exchange` with an identity provider.
    const app = new ApiClient({ apiUrl: stack.apiUrl })
    let tokens: LoginReply | Awaited<ReturnType<ApiClient['refresh']>> = await app.login(
      'alice',
      'alice-password',
    )
    const asked: TokenRequestReason[] = []
    const alice = client({
      tokenProvider: async ({ reason }) => {
        asked.push(reason)
        if (reason !== 'initial') tokens = await app.refresh(tokens.refreshToken)
        return tokens
      },
    })
    const loggedOut: string[] = []
    alice.on('loggedOut', (e) => loggedOut.push(e.reason))

    const welcome = await alice.connect()
    expect(welcome.user.username).toBe('alice')
    expect(alice.user).toMatchObject({ username: 'alice', roles: ['user'] })
    await alice.subscribe('public:lobby')
    await expect(alice.publish('public:lobby', 'via tokenProvider')).resolves.toMatchObject({
      type: 'published',
    })

    // A renewal from the provider moves the live socket's expiry (auth.refresh), without reconnecting.
    const before = alice.socketExpiresAt
    await sleep(1100) // exp has second resolution
    await alice.refresh()
    await waitFor(() => alice.socketExpiresAt > before, 'auth.refreshed moves the expiry')
    expect((await alice.connect()).connectionId).toBe(welcome.connectionId)
    expect(asked).toEqual(['initial', 'refresh'])

    // An admin revokes the session: 4401, the provider is asked for a new token, its refresh is refused.
    const admin = client()
    await admin.login('admin', 'admin-password')
    await admin.api.revokeUserSessions(admin.accessToken(), welcome.user.id)
    await waitFor(() => loggedOut.length > 0, 'loggedOut', 2000)
    expect(loggedOut).toEqual(['session_revoked'])
    expect(asked.at(-1)).toBe('rejected')
    expect(alice.lastClose).toMatchObject({ code: 4401, reason: 'session_revoked' })
    expect(alice.state).toBe('idle')
  })
})
