/** Adds `value` to the set under `key`, creating the set. */
export function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key)
  if (!set) map.set(key, (set = new Set()))
  set.add(value)
}

/** Removes `value` from the set under `key`, dropping an emptied set; true when `key` had a set. */
export function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean {
  const set = map.get(key)
  if (!set) return false
  set.delete(value)
  if (set.size === 0) map.delete(key)
  return true
}

const NONE: readonly never[] = []

/**
 * Key → values, holding a lone value as itself and a `Set` only from the second value on. Most sessions and users
 * have one socket here, and a `Set` of one costs ≈ 0.25 KB (its hash table): two of them per socket were the largest
 * item of the hub's per-socket memory. `V` must not itself be a `Set`.
 */
export class MultiMap<K, V extends object> {
  readonly #map = new Map<K, V | Set<V>>()

  /** Number of keys. */
  get size(): number {
    return this.#map.size
  }

  has(key: K): boolean {
    return this.#map.has(key)
  }

  keys(): IterableIterator<K> {
    return this.#map.keys()
  }

  /** The values under `key` (empty when none); iterate it before values are added to or removed from `key`. */
  get(key: K): Iterable<V> {
    const held = this.#map.get(key)
    return held === undefined ? NONE : held instanceof Set ? held : [held]
  }

  /** How many values are under `key`. */
  count(key: K): number {
    const held = this.#map.get(key)
    return held === undefined ? 0 : held instanceof Set ? held.size : 1
  }

  /** Every key with its values. */
  *entries(): IterableIterator<[K, Iterable<V>]> {
    for (const [key, held] of this.#map) yield [key, held instanceof Set ? held : [held]]
  }

  add(key: K, value: V): void {
    const held = this.#map.get(key)
    if (held === undefined) this.#map.set(key, value)
    else if (held instanceof Set) held.add(value)
    else if (held !== value) this.#map.set(key, new Set([held, value]))
  }

  /** Removes `value` from `key`; true when `key` had it. */
  delete(key: K, value: V): boolean {
    const held = this.#map.get(key)
    if (held === undefined) return false
    if (!(held instanceof Set)) {
      if (held !== value) return false
      this.#map.delete(key)
      return true
    }
    if (!held.delete(value)) return false
    if (held.size === 1) this.#map.set(key, held.values().next().value!)
    return true
  }
}
