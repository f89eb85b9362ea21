import { credentialsFor, endpoints, measure, rotate, type Context } from '../context.ts'
import type { EchoResult } from '../loadgen/types.ts'
import type { Target } from '../targets.ts'

interface Unit {
  target: Target
  case: string
  conns: number
  inflight: number
  ratePerS?: number
}

/**
 * (b) Request/reply round trips: `ping` → `pong` (Portcullis), an echoed frame (baselines), an acked event
 * (Socket.IO). Closed loop at each `[connections × in flight]` case, then an open loop at a fixed offered load
 * over 100 connections for latency. Portcullis connections are ticket-authenticated with an Origin.
 */
export async function runEchoScenario(ctx: Context): Promise<void> {
  const { options } = ctx
  const units: Unit[] = []
  for (const target of ctx.targets.values()) {
    for (const [conns, inflight] of options.echoCases)
      units.push({ target, case: `${conns}x${inflight}`, conns, inflight })
    const rate = options.fixedRatePerS
    units.push({ target, case: `fixed-${rate / 1000}k`, conns: 100, inflight: 0, ratePerS: rate })
  }
  for (let r = 0; r < options.repeats; r++) {
    for (const unit of rotate(units, r)) {
      const credentials = await credentialsFor(ctx, unit.target, unit.conns)
      const { result, serverCpuUs, redisCpuUs, otherCpuPct, loopP99Ms } = await measure<EchoResult>(
        ctx,
        unit.target,
        {
          cmd: 'echo',
          endpoints: endpoints(ctx, unit.target),
          credentials,
          conns: unit.conns,
          inflight: unit.inflight,
          ratePerS: unit.ratePerS,
          warmupMs: options.warmupMs,
          durationMs: options.windowMs,
        },
      )
      const notes: string[] = []
      if (result.firstError) notes.push(`connect error: ${result.firstError.slice(0, 160)}`)
      if (result.errorReplies > 0) notes.push(`${result.errorReplies} error replies`)
      ctx.record({
        scenario: 'echo',
        case: unit.case,
        server: unit.target.name,
        metrics: {
          ratePerS: result.ratePerS,
          p50Ms: result.latency.p50Ms,
          p99Ms: result.latency.p99Ms,
          serverCpuUsPerMsg: serverCpuUs / result.replies,
          redisCpuUsPerMsg: redisCpuUs / result.replies,
          clientCpuPct: result.clientCpuPct,
          otherCpuPct,
          serverLoopP99Ms: loopP99Ms,
          errorReplies: result.errorReplies,
        },
        notes: notes.length ? notes : undefined,
      })
    }
  }
}

/** Steps of this scenario and their rough length (s), for the progress line. */
export function echoPlan(ctx: Context): { steps: number; seconds: number } {
  const o = ctx.options
  return {
    steps: ctx.targets.size * (o.echoCases.length + 1) * o.repeats,
    seconds: (o.warmupMs + o.windowMs) / 1000 + 0.8,
  }
}
