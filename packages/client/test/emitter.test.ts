import { describe, expect, it } from 'vitest'
import { TypedEmitter } from '../src/emitter.ts'

class Emitter extends TypedEmitter<{ n: number; s: string }> {
  fire<K extends 'n' | 's'>(event: K, payload: { n: number; s: string }[K]): void {
    this.emit(event, payload)
  }
}

describe('TypedEmitter', () => {
  it('delivers to listeners until removed, once-listeners once', () => {
    const seen: unknown[] = []
    const emitter = new Emitter()
    const off = emitter.on('n', (n) => seen.push(n))
    emitter.once('s', (s) => seen.push(s))
    emitter.fire('n', 1)
    emitter.fire('s', 'a')
    emitter.fire('s', 'b')
    off()
    emitter.fire('n', 2)
    expect(seen).toEqual([1, 'a'])
    expect(emitter.listenerCount('n')).toBe(0)
  })

  it('keeps going when a listener throws', () => {
    const errors: unknown[] = []
    const seen: number[] = []
    const emitter = new Emitter((e) => errors.push(e))
    emitter.on('n', () => {
      throw new Error('boom')
    })
    emitter.on('n', (n) => seen.push(n))
    emitter.fire('n', 7)
    expect(seen).toEqual([7])
    expect(errors).toHaveLength(1)
  })
})
