import { expect, test, vi } from 'vitest'
import { defaults } from '../src/options.ts'
import { clock, Progress } from '../src/progress.ts'

test('progress counts steps over every scenario and estimates what is left from the plan and the pace', () => {
  vi.useFakeTimers({ now: 0 })
  try {
    const progress = new Progress([
      { steps: 2, seconds: 10 },
      { steps: 1, seconds: 40 },
    ])
    expect(progress.total).toBe(3)
    progress.enter(0)
    // The first step took twice its plan (20 s for 10): what is left (10 + 40 s planned) is scaled the same way.
    vi.setSystemTime(20_000)
    expect(progress.step()).toBe('step 1 of 3 · 0:20 elapsed · ~1:40 left')
    vi.setSystemTime(30_000)
    expect(progress.step()).toBe('step 2 of 3 · 0:30 elapsed · ~1:00 left')
    progress.enter(1)
    vi.setSystemTime(90_000)
    expect(progress.step()).toBe('step 3 of 3 · 1:30 elapsed · ~0:00 left')
  } finally {
    vi.useRealTimers()
  }
})

test('a scenario that records fewer steps than planned still counts them; more never shows k > n', () => {
  const progress = new Progress([
    { steps: 3, seconds: 1 },
    { steps: 1, seconds: 1 },
  ])
  progress.enter(0)
  progress.step()
  progress.enter(1)
  expect(progress.step()).toMatch(/^step 4 of 4 /)
  expect(progress.step()).toMatch(/^step 5 of 5 /)
})

test('clock formats seconds as m:ss or h:mm:ss', () => {
  expect(clock(0)).toBe('0:00')
  expect(clock(61.4)).toBe('1:01')
  expect(clock(3725)).toBe('1:02:05')
})

test('no run rewrites the docs unless --docs asks for it', () => {
  expect(defaults('full').writeDocs).toBe(false)
  expect(defaults('quick').writeDocs).toBe(false)
})
