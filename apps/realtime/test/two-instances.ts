// Drills on two instances sharing one store, run on a single Redis and again on a Redis Cluster (cluster.test.ts):
// the per-user message budget across instances (transport/messages.test.ts), and a store outage under live sockets
// and traffic (hub/redis-restart.test.ts): users with a socket on each instance, traffic throughout the outage,
// and the checks that hold afterwards. The outage itself (kill and restart, or kill a master) is the caller's.
import { expect } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { bearer, connect, open, type Client, type TestApp } from './helper.ts'

export interface TwoSocketUser {
  sid: string
  token: string
  /** One socket on each instance, in the order of the instances. */
  sockets: Client[]
}

/**
 * One user, a socket on each instance, spends the shared message budget (MSG_RATE_PER_S 1, MSG_BURST 10 on both):
 * 8 pings on `a`, 8 on `b`, both instances charge what they admitted and re-sync, then one ping a second on `b`
 * (at most four) until one is refused. Returns the reply to the last: `b`'s own bucket still has 2
 * tokens, but the user's shared bucket is 6 in debt (`b` learned it when charging), so it is `rate_limited`.
 */
export async function overspendAcrossInstances([a, b]: [TestApp, TestApp]): Promise<Record<string, unknown>> {
  const login = await a.login()
  const onA = await connect(a.url, { headers: bearer(login.token) })
  const onB = await connect(b.url, { headers: bearer(login.token) })
  for (let i = 0; i < 8; i++) onA.send({ type: 'ping', id: `a${i}` })
  await onA.next({ id: 'a7' })
  for (let i = 0; i < 8; i++) onB.send({ type: 'ping', id: `b${i}` })
  await onB.next({ id: 'b7' })
  // `b` learns the shared debt when its charges are answered: on a loaded machine that may take a while, so ask
  // once a second (b's own bucket refills as fast as these spend it, so only the shared bucket can refuse; its
  // debt of 6 outlasts the tries).
  let reply: Record<string, unknown> = {}
  for (let i = 8; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 1000))
    onB.send({ type: 'ping', id: `b${i}` })
    reply = await onB.next({ id: `b${i}` })
    if (reply['type'] !== 'pong') break
  }
  return reply
}

/** Subscribes and waits for the confirmation. */
export async function subscribe(client: Client, channel: string): Promise<void> {
  client.send({ type: 'subscribe', id: `sub-${channel}`, channel })
  await client.next({ type: 'subscribed', channel })
}

/** `count` users named `<name><i>`, each with one socket on `a` and one on `b`, subscribed to every channel. */
export async function usersOnBoth(
  [a, b]: [TestApp, TestApp],
  count: number,
  name: string,
  channels: string[],
): Promise<TwoSocketUser[]> {
  const users: TwoSocketUser[] = []
  for (let i = 0; i < count; i++) {
    const login = await a.login(`${name}${i}`)
    const sockets = [
      await connect(a.url, { headers: bearer(login.token) }),
      await connect(b.url, { headers: bearer(login.token) }),
    ]
    for (const s of sockets) for (const channel of channels) await subscribe(s, channel)
    users.push({ sid: login.sid, token: login.token, sockets })
  }
  return users
}

/**
 * Traffic until `stop()`: every 50 ms a publish from one user's socket (alternating instances and channels) and a
 * fresh upgrade for that user. `stop()` resolves with every upgrade's status (101, or the refusal's) and how many of
 * the users' sockets had closed by then.
 */
export function trafficDuring(
  [a, b]: [TestApp, TestApp],
  users: TwoSocketUser[],
  channels: string[],
): { stop(): Promise<{ upgrades: number[]; closedEarly: number }> } {
  let closedEarly = 0
  for (const s of users.flatMap((u) => u.sockets)) void s.closed.then(() => (closedEarly += 1))
  const run = { stop: false }
  const upgrades: number[] = []
  const traffic = (async () => {
    for (let i = 0; !run.stop; i++) {
      const u = users[i % users.length]!
      u.sockets[i % 2]!.send({
        type: 'publish',
        id: `t${i}`,
        channel: channels[i % channels.length]!,
        text: `t${i}`,
      })
      const result = await open((i % 2 ? a : b).url, { headers: bearer(u.token) })
      if ('status' in result) upgrades.push(result.status)
      else {
        upgrades.push(101)
        result.close()
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  })()
  return {
    async stop() {
      run.stop = true
      await traffic
      return { upgrades, closedEarly }
    },
  }
}

/**
 * The outage was ridden out: no socket closed (it stayed within STORE_GRACE_MS), upgrades were refused 503
 * meanwhile and never answered anything but 101 or 503 (never a 500), and `a` never reported the store unreachable.
 */
export function expectRiddenOut(a: TestApp, traffic: { upgrades: number[]; closedEarly: number }): void {
  expect(traffic.closedEarly).toBe(0)
  expect(traffic.upgrades).toContain(503)
  expect(traffic.upgrades.every((status) => status === 101 || status === 503)).toBe(true)
  expect(a.logs.events('store.unreachable')).toHaveLength(0)
}

/** Waits until both instances answer `/readyz` with 200. */
export async function bothReady([a, b]: [TestApp, TestApp], timeoutMs: number): Promise<void> {
  await waitFor(
    async () =>
      (await a.app.inject({ url: '/readyz' })).statusCode === 200 &&
      (await b.app.inject({ url: '/readyz' })).statusCode === 200,
    'both instances ready again',
    timeoutMs,
  )
}

/**
 * The checks after an outage within STORE_GRACE_MS: fan-out flows on every channel to both instances, and
 * revoking the first `revoke` users' sessions closes exactly their sockets (4401) on both instances.
 */
export async function expectRecovered(
  a: TestApp,
  users: TwoSocketUser[],
  channels: string[],
  revoke: number,
): Promise<void> {
  const [sender] = users[0]!.sockets
  for (const channel of channels) {
    // Each instance re-subscribes its channels once its subscriber connection is back, which may be a moment after
    // /readyz says 200 (pub/sub is at-most-once meanwhile): publish until every socket got one.
    const arrived = (s: Client) => s.frames.some((f) => f.type === 'message' && f.text === `after ${channel}`)
    await waitFor(
      async () => {
        sender!.send({ type: 'publish', id: `after-${channel}`, channel, text: `after ${channel}` })
        await new Promise((r) => setTimeout(r, 250))
        return users[1]!.sockets.every(arrived)
      },
      `fan-out on ${channel} to both instances`,
      10_000,
    )
  }
  const revoked = users.slice(0, revoke)
  // The test's own store client reconnects in the background too: revoke once it answers again.
  await waitFor(
    () =>
      a.store.ping().then(
        () => true,
        () => false,
      ),
    'the test store back',
    10_000,
  )
  for (const u of revoked) await a.store.revokeSession(u.sid, 'admin')
  for (const u of revoked)
    for (const s of u.sockets) expect(await s.closed).toEqual({ code: 4401, reason: 'session_revoked' })
  for (const u of users.slice(revoke))
    for (const [i, s] of u.sockets.entries()) {
      s.send({ type: 'ping', id: `alive-${i}` })
      await s.next({ type: 'pong', id: `alive-${i}` })
    }
}
