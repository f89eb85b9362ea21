/** Small statistics helpers. Latencies are milliseconds; percentiles use the nearest-rank method. */

/** p50, p99, p99.9 and max of a latency sample in milliseconds (NaN when empty). */
export interface LatencySummary {
  p50Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
  samples: number
}

/** Summarises a latency sample (ms). */
export function summarise(values: ArrayLike<number>): LatencySummary {
  if (values.length === 0)
    return { p50Ms: Number.NaN, p99Ms: Number.NaN, p999Ms: Number.NaN, maxMs: Number.NaN, samples: 0 }
  const sorted = Float64Array.from(values).toSorted()
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
  return {
    p50Ms: at(50),
    p99Ms: at(99),
    p999Ms: at(99.9),
    maxMs: sorted[sorted.length - 1] as number,
    samples: sorted.length,
  }
}

/** Median of the finite values (NaN when there is none). */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).toSorted((a, b) => a - b)
  if (finite.length === 0) return Number.NaN
  const mid = finite.length >> 1
  return finite.length % 2
    ? (finite[mid] as number)
    : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2
}
