/** One memory reading of a server process (bytes), after two full GCs when `gc`. */
export interface MemorySample {
  /** Epoch ms. */
  at: number
  rss: number
  heapUsed: number
  gc: boolean
}

/** Memory trend of one process over its steady part. */
export interface MemoryFigures {
  process: string
  /** Least-squares slope over the steady samples, MB per minute (NaN with fewer than 3 samples). */
  rssMBPerMin: number
  heapMBPerMin: number
  /** Heap after GC at the first and last steady sample, MB. */
  heapStartMB: number
  heapEndMB: number
  samples: number
  /** Minutes between the first and the last steady sample. */
  spanMin: number
  /** Whether the span is long enough to judge a trend (`MIN_TREND_MIN`). */
  judged: boolean
  /** True when judged and the heap (after GC) grows faster than `LEAK_HEAP_MB_PER_MIN`. */
  leak: boolean
}

/** A trend is judged over at least this many minutes of steady samples (shorter runs mostly measure warm-up). */
export const MIN_TREND_MIN = 3

/**
 * A heap (after GC) growing faster than this is reported as a leak, MB per minute: at 5 000 sockets per instance
 * the heap holds about 40–80 MB, and a leak of one small object per message or reconnect (the usual kind) grows it
 * by several MB per minute at the soak's churn.
 */
export const LEAK_HEAP_MB_PER_MIN = 1

/** Least-squares slope of (t ms, v) points, in v per minute; NaN with fewer than 3 points. */
export function slopePerMin(points: ReadonlyArray<readonly [number, number]>): number {
  if (points.length < 3) return Number.NaN
  const n = points.length
  const mt = points.reduce((s, [t]) => s + t, 0) / n
  const mv = points.reduce((s, [, v]) => s + v, 0) / n
  let num = 0
  let den = 0
  for (const [t, v] of points) {
    num += (t - mt) * (v - mv)
    den += (t - mt) ** 2
  }
  return den === 0 ? Number.NaN : (num / den) * 60_000
}

const MB = 1024 * 1024

/**
 * The trend of one process from `from` (epoch ms: after the ramp, or after its restart plus its reconnect storm):
 * RSS from every sample, heap from the GC'd samples only (a heap read without GC mostly measures the collector).
 */
export function memoryFigures(name: string, samples: readonly MemorySample[], from: number): MemoryFigures {
  const steady = samples.filter((s) => s.at >= from)
  const gcd = steady.filter((s) => s.gc)
  const heapMBPerMin = slopePerMin(gcd.map((s) => [s.at, s.heapUsed / MB] as const))
  const spanMin = steady.length > 1 ? (steady.at(-1)!.at - steady[0]!.at) / 60_000 : 0
  const judged = spanMin >= MIN_TREND_MIN && Number.isFinite(heapMBPerMin)
  return {
    process: name,
    rssMBPerMin: slopePerMin(steady.map((s) => [s.at, s.rss / MB] as const)),
    heapMBPerMin,
    heapStartMB: (gcd[0]?.heapUsed ?? Number.NaN) / MB,
    heapEndMB: (gcd.at(-1)?.heapUsed ?? Number.NaN) / MB,
    samples: steady.length,
    spanMin,
    judged,
    leak: judged && heapMBPerMin > LEAK_HEAP_MB_PER_MIN,
  }
}
