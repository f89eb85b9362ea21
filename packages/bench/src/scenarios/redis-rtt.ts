import { fileURLToPath } from 'node:url'
import { freePort } from '@portcullis/testkit'
import { credentialsFor, endpoints, measure, rotate, type Context } from '../context.ts'
import type { HandshakeResult } from '../loadgen/types.ts'
import { readyMessage, startNode, watchReady } from '../proc.ts'
import { startTarget, stopTarget, type Target } from '../targets.ts'
import { handshakeFigures } from './handshake.ts'

const PROXY = fileURLToPath(new URL('../servers/delay-proxy.ts', import.meta.url))
/** Concurrency of the handshakes: 1 shows each round trip, 10 a small crowd waiting on them together. */
const CONCURRENCY = [1, 10]
/** Upper bound of handshakes/s at these concurrencies: sizes the single-use ticket supply. */
const MAX_RATE = 1500

/** On a Redis Cluster (`--redis-cluster`) the proxy would front one node only: the scenario is not run. */
function onCluster(ctx: Context): boolean {
  return 'clusterNodes' in ctx.env.redis
}

/**
 * `redis-rtt`: the Portcullis ticket handshake (Origin sent) with Redis behind a TCP proxy that delays each
 * chunk by `redisDelayMs` each way (≈ 2 ms per round trip at 1 ms), next to a fresh instance on Redis directly:
 * latency p50/p99 at concurrency 1 and 10, where every round trip of the handshake shows.
 */
export async function runRedisRttScenario(ctx: Context): Promise<void> {
  if (!ctx.targets.has('portcullis') || onCluster(ctx)) return
  const port = await freePort()
  const proxy = startNode({
    name: 'redis-delay-proxy',
    script: PROXY,
    env: {
      PORT: String(port),
      UPSTREAM_PORT: new URL(ctx.env.redisUrl).port,
      DELAY_MS: String(ctx.options.redisDelayMs),
    },
  })
  watchReady(proxy)
  const started: Array<{ target: Target; case: string }> = []
  try {
    await readyMessage(proxy)
    const delayed = new URL(ctx.env.redisUrl)
    delayed.port = String(port)
    started.push({
      target: await startTarget('portcullis', ctx.env, 1, { tag: '-direct' }),
      case: 'direct',
    })
    started.push({
      target: await startTarget('portcullis', ctx.env, 1, { tag: '-rtt', redisUrl: delayed.toString() }),
      case: `redis+${ctx.options.redisDelayMs}ms`,
    })
    const { options } = ctx
    const tickets = Math.ceil((MAX_RATE * (options.warmupMs + options.windowMs)) / 1000)
    for (let r = 0; r < options.repeats; r++) {
      for (const unit of rotate(started, r)) {
        for (const concurrency of CONCURRENCY) {
          const m = await measure<HandshakeResult>(ctx, unit.target, {
            cmd: 'handshake',
            endpoints: endpoints(ctx, unit.target),
            credentials: await credentialsFor(ctx, unit.target, tickets),
            expect: 'accept',
            concurrency,
            warmupMs: options.warmupMs,
            durationMs: options.windowMs,
          })
          ctx.record({
            scenario: 'redis-rtt',
            case: `${unit.case}-c${concurrency}`,
            server: unit.target.name,
            ...handshakeFigures(m),
          })
        }
      }
    }
  } finally {
    await Promise.allSettled(started.map((s) => stopTarget(s.target)))
    await proxy.stop()
  }
}

/** Steps of this scenario and their rough length (s). */
export function redisRttPlan(ctx: Context): { steps: number; seconds: number } {
  if (!ctx.targets.has('portcullis') || onCluster(ctx)) return { steps: 0, seconds: 0 }
  const o = ctx.options
  return { steps: 2 * CONCURRENCY.length * o.repeats, seconds: (o.warmupMs + o.windowMs) / 1000 + 1 }
}
