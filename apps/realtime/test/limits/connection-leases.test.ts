import { expect, test } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { connectionLease, keys } from '@portcullis/sessions/redis'
import { bearer, connect, shared, startApp } from '../helper.ts'

test('each socket leases its slot under its session (what the admin listing counts), on every instance', async () => {
  const s = shared()
  const a = await startApp({}, { shared: s })
  const b = await startApp({}, { shared: s })
  const first = await a.login('alice')
  const second = await a.login('alice')
  const sockets = [
    await connect(a.url, { headers: bearer(first.token) }),
    await connect(b.url, { headers: bearer(first.token) }),
    await connect(b.url, { headers: bearer(second.token) }),
  ]
  const ids = await Promise.all(
    sockets.map(async (c) => (await c.next({ type: 'welcome' })).connectionId as string),
  )
  const slots = keys(s.prefix).userConnections('alice')
  expect((await a.redis.zRange(slots, 0, -1)).toSorted()).toEqual(
    [
      connectionLease(first.sid, ids[0]!),
      connectionLease(first.sid, ids[1]!),
      connectionLease(second.sid, ids[2]!),
    ].toSorted(),
  )
  expect(
    (await a.store.listSessions({ userId: 'alice' })).sessions.map((x) => [x.sid, x.connections]),
  ).toEqual(
    expect.arrayContaining([
      [first.sid, 2],
      [second.sid, 1],
    ]),
  )
  sockets[1]!.close()
  await waitFor(async () => (await a.redis.zCard(slots)) === 2, 'the closed socket released its lease')
  expect(await a.redis.zRange(slots, 0, -1)).not.toContain(connectionLease(first.sid, ids[1]!))
})
