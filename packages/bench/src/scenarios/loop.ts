import { command, measure, type Context } from '../context.ts'
import type { PoolCloseResult, PoolTrickleResult } from '../loadgen/types.ts'
import { startTarget, stopTarget } from '../targets.ts'
import { openPool } from './idle.ts'

/**
 * `loop`: the event-loop delay of a Portcullis instance holding N connections (`idleConns`) that each send
 * 1 message/s, with the **production-default message limits** (`MSG_RATE_PER_S` 20, `MSG_BURST` 40), so the
 * per-user budget's Redis syncs are part of the figure; Redis CPU per message beside it. One fresh instance,
 * `repeats` windows (medians). Tracing on at the default sampler.
 */
export async function runLoopScenario(ctx: Context): Promise<void> {
  if (!ctx.targets.has('portcullis')) return
  const target = await startTarget('portcullis', ctx.env, 1, { tag: '-loop', limits: 'production' })
  try {
    const n = ctx.options.idleConns
    const opened = await openPool(ctx, target, 'loop', n)
    for (let r = 0; r < ctx.options.repeats; r++) {
      const m = await measure<PoolTrickleResult>(ctx, target, {
        cmd: 'pool.trickle',
        pool: 'loop',
        perConnPerS: 1,
        durationMs: ctx.options.trickleMs,
      })
      ctx.record({
        scenario: 'loop',
        case: `${n}conns-production-limits`,
        server: target.name,
        metrics: {
          connections: opened.opened,
          eventLoopP99Ms: m.loopP99Ms,
          eventLoopMaxMs: m.loopMaxMs,
          replyP99Ms: m.result.latency.p99Ms,
          serverCpuUsPerMsg: m.serverCpuUs / m.result.replies,
          redisCpuUsPerMsg: m.redisCpuUs / m.result.replies,
          lost: m.result.errorReplies + (m.result.sent - m.result.replies),
          otherCpuPct: m.otherCpuPct,
        },
      })
    }
    await command<PoolCloseResult>(ctx, { cmd: 'pool.close', pool: 'loop' })
  } finally {
    await stopTarget(target)
  }
}

/** Steps of this scenario and their rough length (s). */
export function loopPlan(ctx: Context): { steps: number; seconds: number } {
  if (!ctx.targets.has('portcullis')) return { steps: 0, seconds: 0 }
  const o = ctx.options
  return { steps: o.repeats, seconds: o.trickleMs / 1000 + 1 + (o.idleConns / 2000 + 4) / o.repeats }
}
