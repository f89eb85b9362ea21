import { credentialsFor, endpoints, measure, rotate, type Context } from '../context.ts'
import type { FanoutResult } from '../loadgen/types.ts'

/**
 * (c) Fan-out: one publisher, N subscribers spread over the target's instances (two for Portcullis and
 * Socket.IO, linked through Redis; raw ws has one process and no bus: it is the single-process limit).
 */
export async function runFanoutScenario(ctx: Context): Promise<void> {
  const { options } = ctx
  const targets = fanoutTargets(ctx)
  const subs = options.fanoutSubscribers
  for (let r = 0; r < options.repeats; r++) {
    for (const target of rotate(targets, r)) {
      const credentials = await credentialsFor(ctx, target, subs + 1)
      const { result, serverCpuUs, redisCpuUs, otherCpuPct, loopP99Ms } = await measure<FanoutResult>(
        ctx,
        target,
        {
          cmd: 'fanout',
          endpoints: endpoints(ctx, target, true),
          credentials,
          subscribers: subs,
          inflight: options.fanoutInflight,
          warmupMs: options.warmupMs,
          durationMs: options.windowMs,
        },
      )
      ctx.record({
        scenario: 'fanout',
        case: `${subs}subs`,
        server: target.name,
        metrics: {
          deliveriesPerS: result.deliveriesPerS,
          p50Ms: result.latency.p50Ms,
          p99Ms: result.latency.p99Ms,
          completeness: result.completeness,
          serverCpuUsPerDelivery: serverCpuUs / result.deliveries,
          redisCpuUsPerDelivery: redisCpuUs / result.deliveries,
          clientCpuPct: result.clientCpuPct,
          otherCpuPct,
          serverLoopP99Ms: loopP99Ms,
          instances: target.instances.length,
        },
      })
    }
  }
}

function fanoutTargets(ctx: Context) {
  return [...ctx.targets.values()].filter(
    (t) => t.name === 'raw-ws' || t.name === 'socketio' || t.name === 'portcullis',
  )
}

/** Steps of this scenario and their rough length (s), for the progress line. */
export function fanoutPlan(ctx: Context): { steps: number; seconds: number } {
  const o = ctx.options
  return {
    steps: fanoutTargets(ctx).length * o.repeats,
    seconds: (o.warmupMs + o.windowMs) / 1000 + 1.5 + o.fanoutSubscribers / 2000,
  }
}
