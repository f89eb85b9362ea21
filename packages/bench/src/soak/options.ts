/** The faults the soak injects (docs/reliability.md). */
export const FAULTS = ['realtime', 'redis', 'api'] as const
export type FaultKind = (typeof FAULTS)[number]

/** Everything a soak run needs; `soakDefaults(mode)` gives the defaults, the CLI overrides single fields. */
export interface SoakOptions {
  mode: 'quick' | 'full'
  /** Length of the churn phase (ramp included), minutes. */
  minutes: number
  /** Client sockets at full ramp (each is one session; two sessions per user). */
  connections: number
  /** Realtime instances (child processes) behind the client-side balancer. */
  instances: number
  /**
   * Loopback source addresses the clients connect from (`127.0.1.x`, …): each stands for a NAT'd site of
   * `connections / sourceIps` users, so the per-IP connect rate is exercised as in production.
   */
  sourceIps: number
  /** Public channels; every client subscribes to one (`connections / rooms` subscribers each). */
  rooms: number
  /** Publishes per second over all clients. */
  publishPerS: number
  /** Sessions revoked (api logout) per minute; each is replaced by a new session that connects. */
  revokePerMin: number
  /** Voluntary reconnects (disconnect, then connect again) per minute. */
  reconnectPerMin: number
  /** The faults to inject (default all three, in the order of `FAULTS`). */
  faults: FaultKind[]
  /** Folder for `soak-<time>.{json,md,svg}` and the processes' logs. */
  outDir: string
  /** Also write `docs/reliability/latest.{json,svg}` and the table in `docs/reliability.md`. */
  writeDocs: boolean
}

/**
 * Defaults of a mode: `full` is the 10-minute run at 10 000 connections the docs report (one command:
 * `pnpm soak`); `quick` (`pnpm soak --quick`) is about a minute at 1 000 connections for development.
 */
export function soakDefaults(mode: 'quick' | 'full'): SoakOptions {
  const full = mode === 'full'
  const connections = full ? 10_000 : 1000
  return withDerived({ mode, minutes: full ? 10 : 1, connections, instances: 2 }, full)
}

/** The rates and counts that follow from the connection count (recomputed when the CLI changes it). */
export function withDerived(
  base: Pick<SoakOptions, 'mode' | 'minutes' | 'connections' | 'instances'>,
  writeDocs = base.mode === 'full',
): SoakOptions {
  const { connections } = base
  return {
    ...base,
    sourceIps: Math.min(250, Math.max(2, Math.ceil(connections / 50))),
    rooms: Math.max(1, Math.ceil(connections / 10)),
    publishPerS: Math.max(1, Math.round(connections / 100)),
    revokePerMin: Math.max(6, Math.round(connections / 100)),
    reconnectPerMin: Math.max(6, Math.round(connections / 20)),
    faults: [...FAULTS],
    outDir: 'soak-results',
    writeDocs,
  }
}
