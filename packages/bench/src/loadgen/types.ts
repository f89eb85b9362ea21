import type { LatencySummary } from '../stats.ts'
import type { Credential, Dialect } from './conn.ts'

/** One server instance as the load generator sees it. */
export interface Endpoint {
  url: string
  dialect: Dialect
  /** `Origin` header to send (omitted: a non-browser client). */
  origin?: string
}

/** Common fields: connection i uses `endpoints[i % n]` and `credentials[i % m]`. */
interface Load {
  endpoints: Endpoint[]
  credentials: Credential[]
}

/** (a) Handshakes at a fixed concurrency; single-use credentials (tickets) are never reused. */
export interface HandshakeJob extends Load {
  cmd: 'handshake'
  /** `accept`: a handshake counts when ready; `reject`: when refused (a rejected-credential run). */
  expect: 'accept' | 'reject'
  concurrency: number
  warmupMs: number
  durationMs: number
}

/** (b) Request/reply: closed loop with `inflight` per connection, or open loop at `ratePerS` in total. */
export interface EchoJob extends Load {
  cmd: 'echo'
  conns: number
  inflight: number
  ratePerS?: number
  warmupMs: number
  durationMs: number
}

/** (c) One publisher, `subscribers` spread over the endpoints; `inflight` publishes outstanding. */
export interface FanoutJob extends Load {
  cmd: 'fanout'
  subscribers: number
  inflight: number
  warmupMs: number
  durationMs: number
}

/** (d, e) Opens `count` idle connections kept under `pool`; `tags[i]` (e.g. the session id) labels connection i. */
export interface PoolOpenJob extends Load {
  cmd: 'pool.open'
  pool: string
  count: number
  concurrency: number
  tags?: string[]
}

/** (d) Every connection of the pool sends `perConnPerS` requests a second for `durationMs`. */
export interface PoolTrickleJob {
  cmd: 'pool.trickle'
  pool: string
  perConnPerS: number
  durationMs: number
}

/** Closes every connection of a pool and waits for the closes. */
export interface PoolCloseJob {
  cmd: 'pool.close'
  pool: string
}

/** (e) Revokes the session of each tagged connection of the pool, one every `paceMs`, and times the close. */
export interface RevokeJob {
  cmd: 'revoke'
  pool: string
  /** The store's Redis (`redisTarget` shape: one node or a cluster). */
  redis: { url: string } | { clusterNodes: string[] }
  prefix: string
  paceMs: number
  timeoutMs: number
  /** Closed-loop echo load on other connections while revoking ("under load"). */
  background?: Load & { conns: number; inflight: number }
}

/**
 * `cross-fanout`: `subscribers` on `endpoints` (every one on the second instance), one publisher on
 * `publisher` (the first instance) publishing at a fixed `ratePerS` (open loop: latency from the scheduled time).
 */
export interface CrossFanoutJob extends Load {
  cmd: 'cross-fanout'
  publisher: Endpoint
  subscribers: number
  ratePerS: number
  warmupMs: number
  durationMs: number
}

/**
 * `reconnect`: opens `count` connections to `endpoints` and keeps them; a connection the server drops reconnects
 * to `reconnectEndpoints` after the client SDK's backoff (full jitter, `@portcullis/client`), as often as needed.
 */
export interface StormOpenJob extends Load {
  cmd: 'storm.open'
  reconnectEndpoints: Endpoint[]
  count: number
  concurrency: number
}

/** Waits until every dropped connection of the storm is back (or `timeoutMs`), then closes them all. */
export interface StormWaitJob {
  cmd: 'storm.wait'
  timeoutMs: number
}

export type Job =
  | HandshakeJob
  | EchoJob
  | FanoutJob
  | CrossFanoutJob
  | PoolOpenJob
  | PoolTrickleJob
  | PoolCloseJob
  | RevokeJob
  | StormOpenJob
  | StormWaitJob

/** Window facts every timed job reports. */
export interface Timed {
  elapsedMs: number
  /** The load generator's own CPU over the window, percent of one core (100 = one core saturated). */
  clientCpuPct: number
}

export interface HandshakeResult extends Timed {
  count: number
  errors: number
  ratePerS: number
  latency: LatencySummary
  firstError?: string
}

export interface EchoResult extends Timed {
  replies: number
  errorReplies: number
  ratePerS: number
  latency: LatencySummary
  firstError?: string
}

export interface FanoutResult extends Timed {
  publishes: number
  deliveries: number
  deliveriesPerS: number
  /** Deliveries received per delivery expected (publishes in the window × subscribers), after a drain. */
  completeness: number
  latency: LatencySummary
}

export interface PoolOpenResult {
  opened: number
  failed: number
  elapsedMs: number
  firstError?: string
}

export interface PoolTrickleResult extends Timed {
  sent: number
  replies: number
  errorReplies: number
  latency: LatencySummary
}

export interface PoolCloseResult {
  closed: number
  elapsedMs: number
}

export interface RevokeResult {
  revoked: number
  closed: number
  notClosed: number
  latency: LatencySummary
  /** Close code → count. */
  codes: Record<string, number>
  backgroundRatePerS?: number
}

/** `cross-fanout` reports what `fanout` does. */
export type CrossFanoutResult = FanoutResult

export interface StormOpenResult {
  opened: number
  failed: number
  firstError?: string
}

export interface StormWaitResult {
  /** Connections the server dropped. */
  dropped: number
  /** Of those, back (reconnected and ready) before the timeout. */
  back: number
  /** `Date.now()` of the first drop and of each return, sorted (ms; the orchestrator knows the kill time). */
  firstDropAt: number
  backAt: number[]
  /** Connect attempts that failed (refused or network) during the storm. */
  failedAttempts: number
  /** Failed attempts by reason (`503 store_unavailable`, a network error, …). */
  failures: Record<string, number>
  firstError?: string
}
