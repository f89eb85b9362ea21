import { expect, test } from 'vitest'
import { Ledger } from '../../src/soak/ledger.ts'

test('a revocation counts as lost unless the socket closed 4401 within 1 s; latencies are summarised', () => {
  const l = new Ledger()
  for (const c of [1, 2, 3]) l.opened(c, 0)
  l.revoked([1], 10_000)
  l.closed(1, 10_040, 4401)
  l.revoked([2], 20_000)
  l.closed(2, 21_500, 4401) // too late
  l.revoked([3], 30_000)
  l.closed(3, 30_100, 1006) // closed, but not by the revocation
  const { revocations } = l.figures()
  expect(revocations.count).toBe(3)
  expect(revocations.lost).toBe(2)
  expect(revocations.latency).toMatchObject({ p50Ms: 40, maxMs: 1500, samples: 2 })
})

test('a message must reach every socket subscribed to its channel before it was sent and open until after it', () => {
  const l = new Ledger()
  // 1 and 2 subscribed early and stay; 3's subscription is confirmed only after the send; 4 drops during delivery;
  // 5 listens to another channel; 6 reconnected and its new socket was subscribed again in time.
  for (const c of [1, 2, 4, 5, 6]) l.opened(c, 0)
  for (const c of [1, 2, 4, 6]) l.subscribed(c, 'public:a', 100)
  l.subscribed(5, 'public:b', 100)
  l.opened(3, 9800)
  l.subscribed(3, 'public:a', 10_005)
  l.closed(4, 10_500, 1006)
  l.closed(6, 5000, 1000)
  l.opened(6, 5500)
  l.subscribed(6, 'public:a', 5600)
  l.acked('m1', 'public:a', 10_000, 10_010)
  for (const c of [1, 3, 6]) l.delivered('m1', c) // 3: not expected, but welcome
  expect(l.figures().messages).toEqual({
    acked: 1,
    expectedDeliveries: 3,
    lost: 1, // client 2
    lostInRedisFaults: 0,
    extra: 0,
    lostSamples: [
      { messageId: 'm1', channel: 'public:a', client: 2, sentAt: 10_000, ackAt: 10_010, openSince: 0 },
    ],
  })
  l.redisWindow({ from: 9000, to: 11_000 })
  expect(l.figures().messages.lostInRedisFaults).toBe(1)
  // A socket whose subscription was never confirmed (the store was away) is not a subscriber.
  l.opened(7, 0)
  l.closed(7, 1, 1006)
  l.opened(7, 2)
  expect(l.figures().messages.expectedDeliveries).toBe(3)
})

test('reconnect figures: time until 95 % and all of the clients a fault closed had a socket again', () => {
  const l = new Ledger()
  const clients = Array.from({ length: 20 }, (_, i) => i)
  for (const c of clients) l.opened(c, 0)
  for (const c of clients) l.closed(c, 1000, 1006)
  clients.forEach((c) => c < 19 && l.opened(c, 1000 + 100 * (c + 1)))
  l.fault({ kind: 'realtime instance killed', at: 1000, affected: clients })
  l.fault({ kind: 'api restarted', at: 5000, affected: [] })
  const [killed, api] = l.figures().reconnects
  expect(killed).toEqual({
    kind: 'realtime instance killed',
    affected: 20,
    p95Ms: 1900,
    allMs: Number.NaN,
    notBack: 1,
  })
  l.opened(19, 4000)
  expect(l.figures().reconnects[0]).toMatchObject({ allMs: 3000, notBack: 0 })
  expect(api).toMatchObject({ affected: 0, notBack: 0 })
  expect(Number.isNaN(api!.p95Ms)).toBe(true)
  expect(l.openSockets).toBe(20)
})
