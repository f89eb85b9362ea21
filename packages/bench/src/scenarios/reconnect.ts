import { command, endpoints, type Context } from '../context.ts'
import type { StormOpenResult, StormWaitResult } from '../loadgen/types.ts'
import { probe } from '../proc.ts'
import { startTarget, stopTarget } from '../targets.ts'

/** How long the storm may take before the clients still missing are reported as not back (ms). */
const STORM_TIMEOUT_MS = 120_000

/**
 * `reconnect`: a storm. N clients on Portcullis instance A (bearer tokens: a reconnecting client presents its
 * token again, as a non-browser SDK client does; tickets are single use and minted by the api, which the bench
 * does not run), instance B idle; A is killed with SIGKILL; every client reconnects to B after the SDK's
 * backoff (full jitter from 250 ms). Reports the time from the kill until 95 % and 100 % are back (ready,
 * `welcome` received), failed attempts, and B's CPU per reconnection. A fresh pair of instances per repeat.
 */
export async function runReconnectScenario(ctx: Context): Promise<void> {
  if (!ctx.targets.has('portcullis')) return
  const n = ctx.options.stormClients
  for (let r = 0; r < ctx.options.repeats; r++) {
    const target = await startTarget('portcullis', ctx.env, 2, { tag: '-storm' })
    try {
      const [a, b] = endpoints(ctx, target, true)
      const victim = target.instances[0]!.child
      const survivor = target.instances[1]!.child
      const opened = await command<StormOpenResult>(ctx, {
        cmd: 'storm.open',
        endpoints: [a!],
        reconnectEndpoints: [b!],
        credentials: ctx.sessions.slice(0, n).map((s) => ({ kind: 'bearer', value: s.token })),
        count: n,
        concurrency: 100,
      })
      if (opened.failed > 0) ctx.log(`  storm: ${opened.failed} of ${n} failed: ${opened.firstError ?? ''}`)
      const cpu0 = (await probe(survivor, { resetDelay: true })).cpuUs
      const killedAt = Date.now()
      victim.proc.kill('SIGKILL')
      const wait = await command<StormWaitResult>(ctx, { cmd: 'storm.wait', timeoutMs: STORM_TIMEOUT_MS })
      const after = await probe(survivor)
      const at = (share: number): number => {
        const k = Math.ceil(share * wait.dropped) - 1
        const t = wait.backAt[k]
        return wait.dropped > 0 && t !== undefined ? t - killedAt : Number.NaN
      }
      ctx.record({
        scenario: 'reconnect',
        case: `${n}clients`,
        server: target.name,
        metrics: {
          clients: opened.opened,
          dropped: wait.dropped,
          back: wait.back,
          detectMs: wait.firstDropAt > 0 ? wait.firstDropAt - killedAt : Number.NaN,
          back95Ms: at(0.95),
          back100Ms: wait.back >= wait.dropped ? at(1) : Number.NaN,
          failedAttempts: wait.failedAttempts,
          // Includes the survivor's own background work over the storm (tiny next to N handshakes).
          serverCpuUsPerReconnect: (after.cpuUs - cpu0) / Math.max(1, wait.back),
          serverLoopP99Ms: after.eldP99Ms,
        },
        notes: Object.keys(wait.failures).length
          ? [
              `failed attempts: ${Object.entries(wait.failures)
                .map(([reason, count]) => `${reason} ×${count}`)
                .join(', ')}`,
            ]
          : undefined,
      })
    } finally {
      await stopTarget(target)
    }
  }
}

/** Steps of this scenario and their rough length (s): start, open N, the storm (≈ N handshakes on one core). */
export function reconnectPlan(ctx: Context): { steps: number; seconds: number } {
  if (!ctx.targets.has('portcullis')) return { steps: 0, seconds: 0 }
  return { steps: ctx.options.repeats, seconds: 5 + ctx.options.stormClients / 600 }
}
