import { describe, expect, it } from 'vitest'
import { backoffDelay, DEFAULT_BACKOFF } from '../src/backoff.ts'

const top = () => 0.999_999

describe('backoffDelay (exponential, full jitter)', () => {
  it('doubles the window per attempt up to the cap', () => {
    expect(backoffDelay(0, { baseMs: 100, maxMs: 10_000 }, top)).toBe(99)
    expect(backoffDelay(1, { baseMs: 100, maxMs: 10_000 }, top)).toBe(199)
    expect(backoffDelay(3, { baseMs: 100, maxMs: 10_000 }, top)).toBe(799)
    expect(backoffDelay(10, { baseMs: 100, maxMs: 10_000 }, top)).toBe(9999)
    expect(backoffDelay(5000, { baseMs: 100, maxMs: 10_000 }, top)).toBe(9999)
  })

  it('draws from the whole window, down to zero (full jitter)', () => {
    expect(backoffDelay(6, { baseMs: 100, maxMs: 10_000 }, () => 0)).toBe(0)
    expect(backoffDelay(6, { baseMs: 100, maxMs: 10_000 }, () => 0.5)).toBe(3200)
    const samples = Array.from({ length: 500 }, () => backoffDelay(4))
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...samples)).toBeLessThan(DEFAULT_BACKOFF.baseMs * 16)
    // 500 uniform draws over 4 s are not all in one half.
    expect(samples.some((s) => s < 2000) && samples.some((s) => s >= 2000)).toBe(true)
  })

  it('treats a negative attempt as the first', () => {
    expect(backoffDelay(-3, { baseMs: 100, maxMs: 1000 }, () => 0.999)).toBe(99)
  })
})
