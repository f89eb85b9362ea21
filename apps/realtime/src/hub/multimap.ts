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
