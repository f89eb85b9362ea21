import { describe, expect, it } from 'vitest'
import { CLUSTER_SLOTS } from '../src/slots.ts'
import { EVENT_PARTITIONS, keys, keySlot, partitionOf } from '../src/redis.ts'

const k = keys('portcullis:')

describe('key layout', () => {
  it('computes hash slots like Redis Cluster (known CLUSTER KEYSLOT values, hash tags)', () => {
    // Values from `CLUSTER KEYSLOT` on redis-server 7.0 (also checked against a live cluster in cluster.test.ts).
    expect(keySlot('foo')).toBe(12182)
    expect(keySlot('123456789')).toBe(12739)
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'))
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}')) // empty tag: the whole key
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'))
  })

  it('puts every key a script touches together in one slot', () => {
    for (const ip of ['10.0.0.1', '2001:db8:1:2::/64']) {
      expect(keySlot(k.connectRate(ip))).toBe(keySlot(k.ipBlock(ip)))
      expect(keySlot(k.authFailures(ip))).toBe(keySlot(k.ipBlock(ip)))
    }
    for (const id of ['s1', 'u_alice', 'x'.repeat(100), 'ünïcode']) {
      // Scripts publish a key's event on the channel of the key's slot.
      expect(keySlot(k.session(id))).toBe(keySlot(k.eventsOf(id)))
      expect(keySlot(k.roles(id))).toBe(keySlot(k.eventsOf(id)))
    }
    expect(keySlot(k.fanout('public:room'))).toBe(keySlot('{public:room}'))
  })

  it(`spreads the ${EVENT_PARTITIONS} event partitions evenly over the slot space`, () => {
    expect(new Set(k.events).size).toBe(EVENT_PARTITIONS)
    k.events.forEach((channel, i) => {
      const slot = keySlot(channel)
      expect(slot).toBeGreaterThanOrEqual(Math.floor((i * CLUSTER_SLOTS) / EVENT_PARTITIONS))
      expect(slot).toBeLessThan(Math.floor(((i + 1) * CLUSTER_SLOTS) / EVENT_PARTITIONS))
    })
    // Ids spread over the partitions (FNV-1a): 6400 ids, no partition empty or crowded.
    const counts = Array.from({ length: EVENT_PARTITIONS }, () => 0)
    for (let i = 0; i < 6400; i++) counts[partitionOf(`session-${i}`)]! += 1
    expect(Math.min(...counts)).toBeGreaterThan(60)
    expect(Math.max(...counts)).toBeLessThan(140)
  })

  it('keeps every key under the prefix', () => {
    const all = [k.session('s'), k.userSessions('u'), k.roles('u'), k.ticket('h'), ...k.events, k.fanout('c')]
    expect(all.every((key) => key.startsWith('portcullis:'))).toBe(true)
  })
})
