import { describe, expect, it } from 'vitest'
import { RateBudgetMirror } from '../src/rate-budget.ts'

const limits = { maxMessageBytes: 16384, msgRatePerS: 10, msgBurst: 5, idleTimeoutMs: 300000 }

describe('RateBudgetMirror', () => {
  it('starts full, spends one token per frame and refills at the rate, capped at the burst', () => {
    let now = 1_000_000
    const budget = new RateBudgetMirror(() => now)
    budget.reset(limits)
    expect(budget.snapshot()).toEqual({ tokens: 5, burst: 5, ratePerS: 10 })
    for (let i = 0; i < 7; i++) budget.spend()
    expect(budget.snapshot().tokens).toBe(0)
    now += 250 // 2.5 tokens at 10/s
    expect(budget.snapshot().tokens).toBe(2)
    now += 10_000
    expect(budget.snapshot().tokens).toBe(5)
  })

  it('empties when the server says rate_limited', () => {
    const now = 0
    const budget = new RateBudgetMirror(() => now)
    budget.reset(limits)
    budget.exhausted()
    expect(budget.snapshot().tokens).toBe(0)
  })
})
