import { credentialsFor, endpoints, measure, rotate, type Context } from '../context.ts'
import type { CrossFanoutResult } from '../loadgen/types.ts'

/** Servers with two instances linked by Redis: the only ones where a delivery can cross instances. */
const CROSS = ['socketio', 'portcullis'] as const

/**
 * `cross-fanout`: every subscriber on instance B, the publisher on instance A, publishing at a fixed rate, so
 * every delivery crosses Redis (Portcullis's bus; Socket.IO's redis-adapter). Latency p50/p99/p99.9 per delivery
 * from the publish's scheduled time, server CPU (both instances) per delivery.
 */
export async function runCrossFanoutScenario(ctx: Context): Promise<void> {
  const { options } = ctx
  const targets = CROSS.flatMap((n) => {
    const t = ctx.targets.get(n)
    return t && t.instances.length >= 2 ? [t] : []
  })
  const subs = options.crossSubscribers
  for (let r = 0; r < options.repeats; r++) {
    for (const target of rotate(targets, r)) {
      const [a, b] = endpoints(ctx, target, true)
      if (!a || !b) continue
      const m = await measure<CrossFanoutResult>(ctx, target, {
        cmd: 'cross-fanout',
        endpoints: [b],
        publisher: a,
        credentials: await credentialsFor(ctx, target, subs + 1),
        subscribers: subs,
        ratePerS: options.crossPublishPerS,
        warmupMs: options.warmupMs,
        durationMs: Math.max(options.windowMs, 2000),
      })
      ctx.record({
        scenario: 'cross-fanout',
        case: `${subs}subs-${options.crossPublishPerS}pub/s`,
        server: target.name,
        metrics: {
          deliveriesPerS: m.result.deliveriesPerS,
          p50Ms: m.result.latency.p50Ms,
          p99Ms: m.result.latency.p99Ms,
          p999Ms: m.result.latency.p999Ms,
          completeness: m.result.completeness,
          serverCpuUsPerDelivery: m.serverCpuUs / m.result.deliveries,
          redisCpuUsPerDelivery: m.redisCpuUs / m.result.deliveries,
          clientCpuPct: m.result.clientCpuPct,
          otherCpuPct: m.otherCpuPct,
          serverLoopP99Ms: m.loopP99Ms,
        },
      })
    }
  }
}

/** Steps of this scenario and their rough length (s): opening the subscribers dominates. */
export function crossFanoutPlan(ctx: Context): { steps: number; seconds: number } {
  const o = ctx.options
  const servers = CROSS.filter((n) => ctx.targets.has(n)).length
  const window = (o.warmupMs + Math.max(o.windowMs, 2000)) / 1000
  return { steps: servers * o.repeats, seconds: window + 2 + o.crossSubscribers / 1500 }
}
