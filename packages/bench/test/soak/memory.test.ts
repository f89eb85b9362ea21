import { expect, test } from 'vitest'
import { memoryFigures, slopePerMin, type MemorySample } from '../../src/soak/memory.ts'

const MB = 1024 * 1024

test('slope: least squares per minute; NaN below three points', () => {
  expect(
    slopePerMin([
      [0, 10],
      [60_000, 12],
      [120_000, 14],
    ]),
  ).toBeCloseTo(2)
  expect(
    slopePerMin([
      [0, 5],
      [60_000, 5],
      [120_000, 5],
    ]),
  ).toBe(0)
  expect(
    Number.isNaN(
      slopePerMin([
        [0, 1],
        [1, 2],
      ]),
    ),
  ).toBe(true)
})

const samples = (heapPerMin: number, minutes: number): MemorySample[] =>
  Array.from({ length: minutes * 2 + 1 }, (_, i) => ({
    at: 1_000_000 + i * 30_000,
    rss: (200 + i) * MB,
    heapUsed: (50 + (heapPerMin * i) / 2) * MB,
    gc: true,
  }))

test('a heap that grows after GC over the steady part is a leak; a flat one, or a short run, is not', () => {
  const leaking = memoryFigures('realtime-1', samples(3, 8), 1_000_000)
  expect(leaking).toMatchObject({ process: 'realtime-1', judged: true, leak: true, samples: 17 })
  expect(leaking.heapMBPerMin).toBeCloseTo(3)
  expect(leaking.rssMBPerMin).toBeCloseTo(2)
  expect(memoryFigures('realtime-2', samples(0, 8), 1_000_000)).toMatchObject({ judged: true, leak: false })
  // Samples before `from` (the ramp, a restart's storm) do not count; two minutes are too short to judge.
  expect(memoryFigures('api', samples(10, 8), 1_000_000 + 6 * 60_000)).toMatchObject({
    judged: false,
    leak: false,
  })
})
