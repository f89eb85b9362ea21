import type { ServerName } from '../targets.ts'
import { find, type Row } from './model.ts'

/** (f) The cost of one control: a figure with the control on and off, and the share lost to it. */
export interface ControlCost {
  control: string
  figure: string
  with: number | null
  without: number | null
  /** Percent of the figure lost to the control (positive = slower with it). */
  costPct: number | null
}

/** Controls `apps/realtime` offers no switch for: they stay on in every Portcullis run, limits set high. */
export const ALWAYS_ON = [
  'per-IP connect rate and auth-failure block (Redis, shared by instances)',
  'per-user connection limit (Redis)',
  'per-connection message rate limit (token bucket)',
  'schema validation of every client message',
  'idle timeout and heartbeat',
  'session lookup in Redis at the upgrade',
]

/**
 * (f) Derives each control's cost from pairs of figures measured in the same run: tracing (the realtime
 * server with and without an OTLP endpoint), the Origin check (a handshake with and without `Origin`),
 * ticket redemption (a ticket vs a bearer token), and the whole stack (Portcullis vs bare @fastify/websocket).
 */
export function controlCosts(rows: Row[]): ControlCost[] {
  const out: ControlCost[] = []
  const pair = (
    control: string,
    figure: string,
    on: [string, string, ServerName],
    off: [string, string, ServerName],
    metric = 'ratePerS',
  ): void => {
    const a = find(rows, ...on)?.metrics[metric]
    const b = find(rows, ...off)?.metrics[metric]
    if (a === undefined && b === undefined) return
    const w = a !== undefined && Number.isFinite(a) ? a : null
    const wo = b !== undefined && Number.isFinite(b) ? b : null
    // A rate lost (1 - with/without) or a CPU figure gained (with/without - 1): positive = the control costs.
    const cost = metric.startsWith('serverCpu')
      ? (x: number, y: number) => x / y - 1
      : (x: number, y: number) => 1 - x / y
    out.push({ control, figure, with: w, without: wo, costPct: w !== null && wo ? cost(w, wo) * 100 : null })
  }
  for (const c of ['100x8', '1000x1']) {
    pair(
      'tracing (default sampler, OTLP export)',
      `echo ${c} round trips/s`,
      ['echo', c, 'portcullis'],
      ['echo', c, 'portcullis-notrace'],
    )
  }
  pair(
    'tracing (default sampler, OTLP export)',
    'ticket handshakes/s',
    ['handshake', 'accept', 'portcullis'],
    ['handshake', 'accept', 'portcullis-notrace'],
  )
  pair(
    'tracing (default sampler, OTLP export)',
    'ticket handshake server CPU µs',
    ['handshake', 'accept', 'portcullis'],
    ['handshake', 'accept', 'portcullis-notrace'],
    'serverCpuUsPerOp',
  )
  pair(
    'Origin check',
    'ticket handshakes/s',
    ['handshake', 'accept', 'portcullis'],
    ['handshake', 'accept-no-origin', 'portcullis'],
  )
  pair(
    'ticket redemption (vs bearer JWT)',
    'handshakes/s',
    ['handshake', 'accept', 'portcullis'],
    ['handshake', 'accept-bearer', 'portcullis'],
  )
  for (const c of ['100x8', '1000x1']) {
    pair(
      'the whole stack (vs bare @fastify/websocket)',
      `echo ${c} round trips/s`,
      ['echo', c, 'portcullis'],
      ['echo', c, 'fastify-ws'],
    )
  }
  pair(
    'the whole stack (vs bare @fastify/websocket)',
    'handshakes/s',
    ['handshake', 'accept', 'portcullis'],
    ['handshake', 'accept', 'fastify-ws'],
  )
  return out
}
