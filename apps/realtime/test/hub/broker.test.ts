import { describe, expect, inject, onTestFinished, test } from 'vitest'
import { uniquePrefix, waitFor } from '@portcullis/testkit'
import { connectRedis, keys, whenReady } from '@portcullis/sessions/redis'
import type { Broker, Deliver } from '../../src/hub/broker.ts'
import { MemoryBus } from '../../src/hub/memory-broker.ts'
import { RedisBroker } from '../../src/hub/redis-broker.ts'

/** Two brokers of one deployment ("instances"), each recording what it delivers. */
type Pair = (deliverA: Deliver, deliverB: Deliver) => Promise<[Broker, Broker]>

const memory: Pair = async (a, b) => {
  const bus = new MemoryBus()
  return [bus.broker(a), bus.broker(b)]
}

const redis: Pair = async (a, b) => {
  const prefix = uniquePrefix('broker')
  const one = async (deliver: Deliver): Promise<Broker> => {
    const conn = connectRedis({ url: inject('redisUrl') })
    onTestFinished(() => conn.close())
    await whenReady(conn, 5000)
    return new RedisBroker({
      redis: conn,
      subscriber: conn.subscriber(),
      redisName: keys(prefix).fanout,
      deliver,
    })
  }
  return [await one(a), await one(b)]
}

describe.each([
  ['MemoryBroker', memory],
  ['RedisBroker', redis],
])('the broker contract: %s', (_name, pair) => {
  test('a publish reaches the instances that joined the channel, reference-counted, until the last leave', async () => {
    const got: Record<'a' | 'b', string[]> = { a: [], b: [] }
    const [a, b] = await pair(
      (channel, frame) => got.a.push(`${channel} ${String(frame)}`),
      (channel, frame) => got.b.push(`${channel} ${String(frame)}`),
    )
    await b.join('public:x')
    await b.join('public:x')
    await a.publish('public:x', 'one')
    await a.publish('public:y', 'other channel')
    await waitFor(() => got.b.length === 1, 'delivery to b')
    b.leave('public:x') // one local subscriber is left
    await a.publish('public:x', 'two')
    await waitFor(() => got.b.length === 2, 'second delivery to b')
    b.leave('public:x') // the last one
    await new Promise((r) => setTimeout(r, 50))
    await a.publish('public:x', 'three')
    await new Promise((r) => setTimeout(r, 100))
    expect(got.b).toEqual(['public:x one', 'public:x two'])
    expect(got.a).toEqual([]) // a never joined
  })

  test('a channel joined again while its last leave is still in flight keeps delivering', async () => {
    const got: string[] = []
    const [a, b] = await pair(
      () => {},
      (channel, frame) => got.push(`${channel} ${String(frame)}`),
    )
    for (let round = 0; round < 3; round++) {
      await b.join('public:r')
      // The last local subscriber goes and a new one comes at once (a client reconnecting to the same instance):
      // the leave's unsubscribe is still on the wire when the join subscribes again.
      b.leave('public:r')
      await b.join('public:r')
      await a.publish('public:r', `round ${round}`)
      await waitFor(() => got.length === round + 1, `delivery of round ${round}`)
      b.leave('public:r')
    }
    expect(got).toEqual(['public:r round 0', 'public:r round 1', 'public:r round 2'])
  })
})
