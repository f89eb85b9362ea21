import { command, credentialsFor, endpoints, measure, rotate, type Context } from '../context.ts'
import type { PoolCloseResult, PoolOpenResult, PoolTrickleResult } from '../loadgen/types.ts'
import { probe } from '../proc.ts'
import { startTarget, stopTarget, type Target } from '../targets.ts'

const KB = 1024

/** Servers the memory scenarios measure (tracing off changes nothing an idle connection holds). */
export function memoryServers(ctx: Context): Target[] {
  return [...ctx.targets.values()].filter((t) => t.name !== 'portcullis-notrace')
}

/**
 * (d) Memory per idle authenticated connection at N connections (RSS and V8 heap after two full GCs, so the
 * figure is what the connections really hold), event-loop delay while every connection sends 1 message/s, and
 * RSS after `idleCycles` further connect/disconnect cycles of N, against the RSS after the first close (a leak
 * shows as growth per cycle; memory malloc keeps after the first close is reported apart, it is not a leak).
 * `idleProcesses` fresh instances per server, interleaved; the figures are their medians (the leak cycles run
 * in the first only). The load generator spreads source addresses over 127.0.0.x.
 */
export async function runIdleScenario(ctx: Context): Promise<void> {
  for (let r = 0; r < ctx.options.idleProcesses; r++) {
    for (const running of rotate(memoryServers(ctx), r)) {
      // A fresh process: the earlier scenarios' high-water marks (heap capacity, malloc arenas) would otherwise
      // absorb the idle connections and hide their cost.
      const target = await startTarget(running.name, ctx.env, 1, { tag: '-idle' })
      try {
        await idleOne(ctx, target, r === 0)
      } finally {
        await stopTarget(target)
      }
    }
  }
}

/** Steps of this scenario and their rough length (s): opening N at ≈ 2 000/s dominates. */
export function idlePlan(ctx: Context): { steps: number; seconds: number } {
  const o = ctx.options
  const opens = 1.1 + (o.idleCycles + 1) / o.idleProcesses
  return {
    steps: memoryServers(ctx).length * o.idleProcesses,
    seconds: 5 + (opens * o.idleConns) / 2000 + o.trickleMs / 1000,
  }
}

/** Opens `n` idle connections to `target` under `pool`; logs failures. */
export async function openPool(
  ctx: Context,
  target: Target,
  pool: string,
  n = ctx.options.idleConns,
): Promise<PoolOpenResult> {
  const credentials = await credentialsFor(ctx, target, n)
  const opened = await command<PoolOpenResult>(ctx, {
    cmd: 'pool.open',
    pool,
    endpoints: endpoints(ctx, target),
    credentials,
    count: n,
    concurrency: 100,
  })
  if (opened.failed > 0)
    ctx.log(`  ${target.name}: ${opened.failed} of ${n} failed: ${opened.firstError ?? ''}`)
  return opened
}

/** The target's stats after a settle and two full GCs. */
export async function settledProbe(target: Target) {
  // Let closes and timers finish before the collection, so the sample is the steady state.
  await new Promise((r) => setTimeout(r, 1000))
  return await probe(target.instances[0]!.child, { gc: true })
}

async function idleOne(ctx: Context, target: Target, cycles: boolean): Promise<void> {
  const n = ctx.options.idleConns
  // A warm-up cycle first: JIT, allocator arenas and socket buffers pools are then part of the baseline, not
  // of the per-connection figure (without it a GC can even shrink RSS below the cold baseline).
  await openPool(ctx, target, 'warm', Math.max(10, Math.floor(n / 10)))
  await command<PoolCloseResult>(ctx, { cmd: 'pool.close', pool: 'warm' })
  const base = await settledProbe(target)
  const opened = await openPool(ctx, target, 'idle')
  const loaded = await settledProbe(target)

  await probe(target.instances[0]!.child, { resetDelay: true })
  const trickle = await measure<PoolTrickleResult>(ctx, target, {
    cmd: 'pool.trickle',
    pool: 'idle',
    perConnPerS: 1,
    durationMs: ctx.options.trickleMs,
  })
  const delay = await probe(target.instances[0]!.child)
  await command<PoolCloseResult>(ctx, { cmd: 'pool.close', pool: 'idle' })
  // The leak check's baseline: after one full open/close, so the allocator's high-water mark (memory freed but
  // kept by malloc, never a leak) is in it; further cycles must not grow from there.
  const steady = await settledProbe(target)

  const rounds = cycles ? ctx.options.idleCycles : 0
  for (let c = 0; c < rounds; c++) {
    await openPool(ctx, target, `cycle${c}`)
    await command<PoolCloseResult>(ctx, { cmd: 'pool.close', pool: `cycle${c}` })
  }
  const after = await settledProbe(target)
  const conns = Math.max(1, opened.opened)
  ctx.record({
    scenario: 'idle',
    case: `${n}conns`,
    server: target.name,
    metrics: {
      connections: opened.opened,
      openPerS: (opened.opened / opened.elapsedMs) * 1000,
      rssPerConnKB: (loaded.rss - base.rss) / conns / KB,
      heapPerConnKB: (loaded.heapUsed - base.heapUsed) / conns / KB,
      baseRssMB: base.rss / KB / KB,
      eventLoopP99Ms: delay.eldP99Ms,
      eventLoopMaxMs: delay.eldMaxMs,
      trickleP99Ms: trickle.result.latency.p99Ms,
      trickleOtherCpuPct: trickle.otherCpuPct,
      trickleErrors: trickle.result.errorReplies + (trickle.result.sent - trickle.result.replies),
      rssRetainedAfterCloseMB: (steady.rss - base.rss) / KB / KB,
      // NaN in the processes without cycles: the medians then come from the one that ran them.
      rssGrowthAfterCyclesPct: cycles ? ((after.rss - steady.rss) / steady.rss) * 100 : Number.NaN,
      heapGrowthAfterCyclesPct: cycles
        ? ((after.heapUsed - steady.heapUsed) / steady.heapUsed) * 100
        : Number.NaN,
    },
  })
}
