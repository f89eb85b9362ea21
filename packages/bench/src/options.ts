import type { ServerName } from './targets.ts'

/** The scenarios of issue 8: (a) handshake, (b) echo, (c) fanout, (d) idle, (e) revocation; (f) is derived. */
export const SCENARIOS = ['handshake', 'echo', 'fanout', 'idle', 'revocation'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

/** Everything a run needs; `profile(mode)` gives the defaults, the CLI overrides single fields. */
export interface BenchOptions {
  mode: 'quick' | 'full'
  /** Folder for `bench-<time>.json|.md|.svg` (created). */
  outDir: string
  /** Also write `docs/benchmarks/latest.{json,svg}` and the table in `docs/benchmarks.md`. */
  writeDocs: boolean
  servers: ServerName[]
  scenarios: ScenarioName[]
  /** Interleaved repeats per figure; the reported figure is their median. */
  repeats: number
  warmupMs: number
  windowMs: number
  /** Connections of the echo cases: [connections, in flight per connection]. */
  echoCases: Array<[number, number]>
  /** Open-loop echo at this many requests/s in total over 100 connections (latency at a fixed offered load). */
  fixedRatePerS: number
  handshakeConcurrency: number
  fanoutSubscribers: number
  fanoutInflight: number
  /** (d) idle authenticated connections, connect/disconnect cycles after, trickle window. */
  idleConns: number
  idleCycles: number
  trickleMs: number
  /** (e) sessions revoked per run (idle, then under load). */
  revocations: number
  revokePaceMs: number
  /** Run Portcullis instances with `--cpu-prof` (profiles land in `<outDir>/profiles`). */
  profile: boolean
  /**
   * Run Portcullis on a Redis Cluster (3 masters + 3 replicas, `REDIS_CLUSTER_NODES`) instead of one redis-server.
   * Redis CPU is then the cluster's, not measured; baselines still use one of its nodes.
   */
  redisCluster: boolean
}

/** Defaults of a mode: `full` ≈ 12–15 min on 2 cores (more on a busy machine), `quick` ≈ 1–2 min. */
export function defaults(mode: 'quick' | 'full'): BenchOptions {
  const full = mode === 'full'
  return {
    mode,
    outDir: 'bench-results',
    writeDocs: full,
    servers: ['raw-ws', 'fastify-ws', 'socketio', 'portcullis', 'portcullis-notrace'],
    scenarios: [...SCENARIOS],
    repeats: full ? 3 : 1,
    warmupMs: full ? 800 : 300,
    windowMs: full ? 3000 : 1000,
    echoCases: [
      [1, 1],
      [100, 8],
      [1000, 1],
    ],
    fixedRatePerS: 10_000,
    handshakeConcurrency: 50,
    fanoutSubscribers: full ? 1000 : 200,
    fanoutInflight: 4,
    idleConns: full ? 10_000 : 1000,
    idleCycles: full ? 3 : 1,
    trickleMs: full ? 10_000 : 2000,
    revocations: full ? 1000 : 100,
    revokePaceMs: 2,
    profile: false,
    redisCluster: false,
  }
}
