import { readFileSync } from 'node:fs'
import { command, type Context } from '../context.ts'
import type { PoolCloseResult } from '../loadgen/types.ts'
import { startTarget, stopTarget } from '../targets.ts'
import { memoryServers, openPool, settledProbe } from './idle.ts'

const KB = 1024
/** File descriptors a process keeps for itself beyond its sockets (Redis, logs, libuv, the IPC channel). */
const MARGIN = 256

/**
 * The soft `RLIMIT_NOFILE` of a process (Linux `/proc/<pid>/limits`; Infinity where unreadable or unlimited).
 * Node raises its own soft limit to the hard limit at start-up, so this is what the process really may open.
 */
export function fileLimit(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid ?? 'self'}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
    const soft = line?.trim().split(/\s{2,}/)[1]
    return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft)
  } catch {
    return Infinity
  }
}

/**
 * `idle-max`: memory per idle authenticated connection at the most connections this machine's file limits allow
 * (the smaller soft `RLIMIT_NOFILE` of the load generator and the server, minus a margin, capped at
 * `idleMaxCap`), one fresh process per server. The count used and both limits are in the row.
 */
export async function runIdleMaxScenario(ctx: Context): Promise<void> {
  const loadgenLimit = fileLimit(ctx.loadgen.proc.pid)
  for (const running of memoryServers(ctx)) {
    const target = await startTarget(running.name, ctx.env, 1, { tag: '-max' })
    try {
      const serverLimit = fileLimit(target.instances[0]!.child.proc.pid)
      const n = Math.max(1, Math.min(ctx.options.idleMaxCap, loadgenLimit - MARGIN, serverLimit - MARGIN))
      const base = await settledProbe(target)
      const opened = await openPool(ctx, target, 'max', n)
      const loaded = await settledProbe(target)
      await command<PoolCloseResult>(ctx, { cmd: 'pool.close', pool: 'max' })
      const conns = Math.max(1, opened.opened)
      ctx.record({
        scenario: 'idle-max',
        case: 'file-limit',
        server: target.name,
        metrics: {
          connections: opened.opened,
          failed: opened.failed,
          serverFileLimit: serverLimit,
          loadgenFileLimit: loadgenLimit,
          rssPerConnKB: (loaded.rss - base.rss) / conns / KB,
          heapPerConnKB: (loaded.heapUsed - base.heapUsed) / conns / KB,
          rssMB: loaded.rss / KB / KB,
          openPerS: (opened.opened / opened.elapsedMs) * 1000,
        },
      })
    } finally {
      await stopTarget(target)
    }
  }
}

/** Steps of this scenario and their rough length (s). */
export function idleMaxPlan(ctx: Context): { steps: number; seconds: number } {
  const n = Math.min(ctx.options.idleMaxCap, fileLimit(ctx.loadgen.proc.pid) - MARGIN)
  return { steps: memoryServers(ctx).length, seconds: 6 + n / 1500 }
}
