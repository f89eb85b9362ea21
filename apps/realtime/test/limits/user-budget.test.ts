import { afterEach, expect, test, vi } from 'vitest'
import type { RtStore } from '../../src/limits/rt-store.ts'
import { UserBudget } from '../../src/limits/user-budget.ts'

/** A stand-in store that records charges and answers with a balance the test sets (pure logic: no Redis). */
function fakeStore(balance: () => number) {
  const charges: number[] = []
  const store = {
    chargeMessages: async (_u: string, _r: number, _b: number, spent: number) => {
      charges.push(spent)
      return { tokens: balance(), at: Date.now() }
    },
  } as unknown as RtStore
  return { store, charges }
}

afterEach(() => void vi.useRealTimers())

test('the first frame syncs at once; while ample, charges wait for a quarter burst or 5 s (no Redis per frame)', async () => {
  vi.useFakeTimers()
  const { store, charges } = fakeStore(() => 100)
  const budget = new UserBudget('u', store, 10, 100)
  expect(budget.take(Date.now())).toBe(0)
  await vi.advanceTimersByTimeAsync(0)
  expect(charges).toEqual([1])
  for (let i = 0; i < 10; i++) budget.take(Date.now())
  await vi.advanceTimersByTimeAsync(4000)
  expect(charges).toEqual([1])
  await vi.advanceTimersByTimeAsync(1000)
  expect(charges).toEqual([1, 10])
  for (let i = 0; i < 25; i++) budget.take(Date.now())
  await vi.advanceTimersByTimeAsync(0)
  expect(charges).toEqual([1, 10, 25])
})

test('below half the burst every frame is charged at once, one call in flight, and the debt refuses', async () => {
  vi.useFakeTimers()
  let redisTokens = 100
  const { store, charges } = fakeStore(() => redisTokens)
  const budget = new UserBudget('u', store, 10, 100)
  budget.take(Date.now())
  await vi.advanceTimersByTimeAsync(0)
  redisTokens = 40 // another instance spent most of the user's budget
  for (let i = 0; i < 25; i++) budget.take(Date.now())
  await vi.advanceTimersByTimeAsync(0)
  expect(charges).toEqual([1, 25])
  budget.take(Date.now()) // estimate 39 < 50: urgent
  budget.take(Date.now()) // a call is in flight: waits for it
  expect(charges).toEqual([1, 25, 1])
  await vi.advanceTimersByTimeAsync(0)
  expect(charges).toEqual([1, 25, 1, 1])
  redisTokens = -50
  budget.take(Date.now())
  await vi.advanceTimersByTimeAsync(0)
  expect(budget.take(Date.now())).toBeGreaterThan(5000)
})
