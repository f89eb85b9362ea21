import { expect, test } from 'vitest'
import {
  memoryFigures,
  slopePerMin,
  trendAtConstantSockets,
  type MemorySample,
} from '../../src/soak/memory.ts'

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

/** Sockets of sample `i` in the test below. */
const sockets = (i: number): number => (i < 4 ? 5000 : 10_000 - i * 150)

test('a heap that follows the socket count is not a leak: the trend is judged at a constant socket count', () => {
  // 7 KB per socket; the instance gains 5 000 sockets (another died), then loses them slowly; no growth of its own.
  const points = Array.from({ length: 20 }, (_, i) => ({
    at: 1_000_000 + i * 30_000,
    rss: 300 * MB,
    heapUsed: (40 + (sockets(i) * 7) / 1024) * MB,
    gc: true,
    sockets: sockets(i),
  }))
  const figures = memoryFigures('realtime-2', points, 1_000_000)
  expect(figures).toMatchObject({ judged: true, leak: false })
  expect(figures.heapMBPerMin).toBeCloseTo(0, 5)
  expect(figures.heapKBPerSocket).toBeCloseTo(7, 3)
  // The same heap plus a real leak of 2 MB/min is still found.
  const leaking = points.map((p, i) => ({ ...p, heapUsed: p.heapUsed + i * 1 * MB }))
  expect(memoryFigures('realtime-2', leaking, 1_000_000)).toMatchObject({ leak: true })
  expect(
    trendAtConstantSockets(leaking.map((p) => [p.at, p.heapUsed / MB, p.sockets] as const)).perMin,
  ).toBeCloseTo(2, 5)
  // Without socket counts, the plain slope.
  expect(
    trendAtConstantSockets([
      [0, 1, undefined],
      [60_000, 2, undefined],
      [120_000, 3, undefined],
      [180_000, 4, undefined],
    ]).perMin,
  ).toBeCloseTo(1)
})
