import type { FaultKind } from './options.ts'

/** One fault of the run: injected at `atMs` (from the start of the churn phase), repaired `repairAfterMs` later. */
export interface PlannedFault {
  kind: FaultKind
  atMs: number
  /** realtime: restart the killed instance; redis: restart the killed node (it rejoins as a replica); api: 0. */
  repairAfterMs: number
}

/** The phases of a run, ms from its start. */
export interface SoakPlan {
  /** Clients connect evenly over [0, rampMs). */
  rampMs: number
  faults: PlannedFault[]
  /** Churn stops here; then the run settles and is checked. */
  endMs: number
  /** Quiet time after `endMs` before the final checks (every client should be connected again). */
  settleMs: number
}

/**
 * The fault schedule: the ramp takes the first 20 % of the run, then the chosen faults are spread evenly over the
 * rest, in the order given, each with time to recover before the next (and before the end). A killed realtime
 * instance stays down for 10 % of the run (at most 30 s): its clients reconnect through the others meanwhile.
 * @example faultPlan(60_000, ['realtime', 'redis', 'api']) // ramp 12 s; faults at 24 s, 36 s, 48 s
 */
export function faultPlan(durationMs: number, faults: readonly FaultKind[]): SoakPlan {
  if (!(durationMs >= 10_000)) throw new RangeError('a soak runs at least 10 s')
  const rampMs = Math.round(durationMs * 0.2)
  const slot = (durationMs - rampMs) / (faults.length + 1)
  return {
    rampMs,
    faults: faults.map((kind, i) => ({
      kind,
      atMs: Math.round(rampMs + slot * (i + 1)),
      repairAfterMs:
        kind === 'realtime'
          ? Math.min(30_000, Math.round(durationMs * 0.1))
          : kind === 'redis'
            ? Math.round(slot / 2)
            : 0,
    })),
    endMs: durationMs,
    settleMs: Math.min(30_000, Math.max(8000, Math.round(durationMs * 0.05))),
  }
}
