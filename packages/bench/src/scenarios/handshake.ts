import { randomBytes } from 'node:crypto'
import {
  credentialsFor,
  endpoints,
  measure,
  rotate,
  type Context,
  type Measurement,
  type Sampled,
} from '../context.ts'
import type { Credential } from '../loadgen/conn.ts'
import type { HandshakeResult } from '../loadgen/types.ts'
import type { Target } from '../targets.ts'

/** Upper bound of handshakes/s any server reaches here: sizes the single-use ticket supply of one window. */
const MAX_RATE = 3500

/**
 * The figures every handshake row reports (`wss` and `redis-rtt` too), from one measured window: rate, latency,
 * errors, server and Redis CPU per handshake (µs, accepted or rejected alike), other CPU; the first error as a note.
 */
export function handshakeFigures(m: Sampled<HandshakeResult>): Pick<Measurement, 'metrics' | 'notes'> {
  const { result } = m
  return {
    metrics: {
      ratePerS: result.ratePerS,
      p50Ms: result.latency.p50Ms,
      p99Ms: result.latency.p99Ms,
      errors: result.errors,
      serverCpuUsPerOp: m.serverCpuUs / result.count,
      redisCpuUsPerOp: m.redisCpuUs / result.count,
      otherCpuPct: m.otherCpuPct,
    },
    notes: result.firstError ? [`first error: ${result.firstError.slice(0, 160)}`] : undefined,
  }
}

interface Unit {
  target: Target
  case: string
  expect: 'accept' | 'reject'
  origin: boolean
  credentials: () => Promise<Credential[]>
}

/**
 * (a) Authenticated handshakes/s at concurrency 50, p50/p99. Raw ws and bare Fastify take no credential (the
 * unauthenticated limit); Socket.IO verifies a JWT in its middleware; Portcullis redeems a ticket (the browser
 * path, session in Redis), or a bearer token; `reject` presents a credential with a broken signature.
 * `accept-no-origin` is Portcullis without an Origin header (the origin check skipped, control (f));
 * `reject-ticket` presents a ticket that was never issued.
 */
export async function runHandshakeScenario(ctx: Context): Promise<void> {
  const { options } = ctx
  const tickets = Math.ceil((MAX_RATE * (options.warmupMs + options.windowMs)) / 1000)
  const units: Unit[] = []
  for (const target of ctx.targets.values()) {
    const add = (
      c: string,
      expect: Unit['expect'],
      credentials: Unit['credentials'],
      origin = true,
    ): void => {
      units.push({ target, case: c, expect, origin, credentials })
    }
    const tokens = (): Promise<Credential[]> => credentialsFor(ctx, target, ctx.sessions.length)
    if (target.dialect === 'echo') add('accept', 'accept', async () => [{ kind: 'none' }])
    else if (target.dialect === 'socketio') {
      add('accept', 'accept', tokens)
      add('reject', 'reject', async () => [{ kind: 'auth', value: ctx.creds.badToken() }])
    } else {
      add('accept', 'accept', () => credentialsFor(ctx, target, tickets))
      if (target.name !== 'portcullis') continue
      add('accept-bearer', 'accept', async () =>
        ctx.sessions.map((s) => ({ kind: 'bearer', value: s.token })),
      )
      add('accept-no-origin', 'accept', () => credentialsFor(ctx, target, tickets, { origin: false }), false)
      add('reject', 'reject', async () => [{ kind: 'bearer', value: ctx.creds.badToken() }])
      // A ticket that was never issued: the rejected counterpart of `accept` (a rejection must not cost more).
      add('reject-ticket', 'reject', async () =>
        Array.from({ length: tickets }, () => ({
          kind: 'ticket' as const,
          value: randomBytes(24).toString('base64url'),
        })),
      )
    }
  }
  for (let r = 0; r < options.repeats; r++) {
    for (const unit of rotate(units, r)) {
      const credentials = await unit.credentials()
      const m = await measure<HandshakeResult>(ctx, unit.target, {
        cmd: 'handshake',
        endpoints: endpoints(ctx, unit.target, false, unit.origin),
        credentials,
        expect: unit.expect,
        concurrency: options.handshakeConcurrency,
        warmupMs: options.warmupMs,
        durationMs: options.windowMs,
      })
      const { metrics, notes } = handshakeFigures(m)
      ctx.record({
        scenario: 'handshake',
        case: unit.case,
        server: unit.target.name,
        metrics: {
          ...metrics,
          clientCpuPct: m.result.clientCpuPct,
          serverLoopP99Ms: m.loopP99Ms,
          windowS: m.result.elapsedMs / 1000,
        },
        notes,
      })
    }
  }
}

/** Steps of this scenario and their rough length (s), for the progress line. */
export function handshakePlan(ctx: Context): { steps: number; seconds: number } {
  const per = { echo: 1, socketio: 2, portcullis: 1 }
  let units = 0
  for (const t of ctx.targets.values()) units += t.name === 'portcullis' ? 5 : per[t.dialect]
  const o = ctx.options
  return { steps: units * o.repeats, seconds: (o.warmupMs + o.windowMs) / 1000 + 0.8 }
}
