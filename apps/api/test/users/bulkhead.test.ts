import { describe, expect, it } from 'vitest'
import { Bulkhead, BulkheadFull, DEFAULT_PASSWORD_CONCURRENCY } from '../../src/users/bulkhead.ts'

/** A unit of work the test finishes by hand. */
function gate(): { promise: Promise<string>; open: (v: string) => void; fail: (e: Error) => void } {
  let open!: (v: string) => void
  let fail!: (e: Error) => void
  const promise = new Promise<string>((resolve, reject) => {
    open = resolve
    fail = reject
  })
  return { promise, open, fail }
}

describe('Bulkhead', () => {
  it('runs maxConcurrent at once, queues maxQueued in order, and refuses the next one at once', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 2, maxQueued: 1 })
    const works = [gate(), gate(), gate()]
    const started: number[] = []
    const runs = works.map((w, i) =>
      bulkhead.run(async () => {
        started.push(i)
        return await w.promise
      }),
    )
    await Promise.resolve()
    expect(started).toEqual([0, 1])
    expect([bulkhead.running, bulkhead.queued]).toEqual([2, 1])
    await expect(bulkhead.run(async () => 'never')).rejects.toBeInstanceOf(BulkheadFull)
    works[1]!.open('b')
    expect(await runs[1]).toBe('b')
    await Promise.resolve()
    expect(started).toEqual([0, 1, 2]) // the queued one took the freed slot
    expect([bulkhead.running, bulkhead.queued]).toEqual([2, 0])
    works[0]!.fail(new Error('boom'))
    await expect(runs[0]).rejects.toThrow('boom') // a failing call frees its slot too
    works[2]!.open('c')
    expect(await runs[2]).toBe('c')
    expect([bulkhead.running, bulkhead.queued]).toEqual([0, 0])
  })

  it('with maxQueued 0 never waits', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueued: 0 })
    const w = gate()
    const run = bulkhead.run(() => w.promise)
    await expect(bulkhead.run(async () => 'x')).rejects.toBeInstanceOf(BulkheadFull)
    w.open('done')
    expect(await run).toBe('done')
    expect(await bulkhead.run(async () => 'again')).toBe('again')
  })

  it('refuses nonsense bounds and has a default for small machines', () => {
    expect(() => new Bulkhead({ maxConcurrent: 0, maxQueued: 1 })).toThrow(RangeError)
    expect(() => new Bulkhead({ maxConcurrent: 1, maxQueued: -1 })).toThrow(RangeError)
    expect(DEFAULT_PASSWORD_CONCURRENCY.maxConcurrent).toBeGreaterThanOrEqual(1)
    expect(DEFAULT_PASSWORD_CONCURRENCY.maxConcurrent).toBeLessThanOrEqual(4)
    expect(DEFAULT_PASSWORD_CONCURRENCY.maxQueued).toBe(4 * DEFAULT_PASSWORD_CONCURRENCY.maxConcurrent)
  })
})
