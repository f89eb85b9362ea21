import { CLUSTER_SLOTS, keySlot } from './slots.ts'

/**
 * Session events travel on this many sharded channels (`<prefix>events:{<tag>}`). A script that changes a session
 * or a user's roles publishes its event atomically, so the event's channel must live in the slot of the key it
 * changes (Redis Cluster refuses anything else): session and roles keys carry their partition's tag, and every
 * realtime instance subscribes to all partitions. 64 spreads them evenly over any number of masters up to a few
 * dozen. Changing it changes the key layout (every session and role key moves).
 */
export const EVENT_PARTITIONS = 64

/**
 * Tag of partition `k`: the first of `ev<k>.0`, `ev<k>.1`, … whose hash slot falls in the k-th of
 * `EVENT_PARTITIONS` equal slot ranges, so the partitions spread evenly over the masters whatever contiguous
 * ranges they own (redis-cli gives each master one). Deterministic: api and realtime compute the same tags.
 */
function tagOf(k: number): string {
  const from = Math.floor((k * CLUSTER_SLOTS) / EVENT_PARTITIONS)
  const to = Math.floor(((k + 1) * CLUSTER_SLOTS) / EVENT_PARTITIONS)
  for (let n = 0; ; n++) {
    const tag = `ev${k}.${n}`
    const slot = keySlot(`{${tag}}`)
    if (slot >= from && slot < to) return tag
  }
}

const TAGS: readonly string[] = Array.from({ length: EVENT_PARTITIONS }, (_, k) => tagOf(k))

/**
 * The event partition of a session id or user id: FNV-1a of its UTF-16 code units, modulo `EVENT_PARTITIONS`.
 * @example partitionOf('s-123') // a number from 0 to 63
 */
export function partitionOf(id: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % EVENT_PARTITIONS
}

/** The hash tag (without braces) of partition `k`, e.g. `ev5.113`. */
export function partitionTag(k: number): string {
  const tag = TAGS[k]
  if (tag === undefined) throw new RangeError(`no event partition ${k}`)
  return tag
}
