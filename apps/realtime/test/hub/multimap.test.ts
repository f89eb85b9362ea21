import { describe, expect, test } from 'vitest'
import { MultiMap } from '../../src/hub/multimap.ts'

describe('MultiMap', () => {
  test('holds one value as itself, several in a set, and shrinks back', () => {
    const a = { n: 'a' }
    const b = { n: 'b' }
    const m = new MultiMap<string, { n: string }>()
    expect([...m.get('k')]).toEqual([])
    expect(m.count('k')).toBe(0)
    m.add('k', a)
    m.add('k', a)
    expect([...m.get('k')]).toEqual([a])
    expect(m.count('k')).toBe(1)
    m.add('k', b)
    expect([...m.get('k')]).toEqual([a, b])
    expect(m.count('k')).toBe(2)
    expect(m.delete('k', { n: 'a' })).toBe(false)
    expect(m.delete('k', a)).toBe(true)
    expect([...m.get('k')]).toEqual([b])
    expect([...m.entries()].map(([k, v]) => [k, [...v]])).toEqual([['k', [b]]])
    expect(m.delete('k', a)).toBe(false)
    expect(m.delete('k', b)).toBe(true)
    expect(m.has('k')).toBe(false)
    expect(m.size).toBe(0)
    expect(m.delete('k', b)).toBe(false)
  })
})
