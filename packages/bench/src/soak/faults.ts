import { setTimeout as sleep } from 'node:timers/promises'
import { createRedisCluster, keys } from '@portcullis/sessions/redis'
import type { Balancer } from './balancer.ts'
import type { CloseNote, SoakClient } from './fleet.ts'
import type { Ledger } from './ledger.ts'
import type { PlannedFault } from './schedule.ts'
import type { SoakStack } from './stack.ts'

/** What happened during one fault, for the report. */
export interface FaultEvent {
  kind: 'realtime' | 'redis' | 'api'
  /** What was done, in words. */
  what: string
  /** Epoch ms: injected, service back (instance ready, replica promoted and every instance ready, api ready). */
  at: number
  backAt: number
  /** Epoch ms the fault was repaired (killed instance or Redis node restarted); 0 for the api. */
  repairedAt: number
  /** realtime: ms until the dead instance's connection slots were gone from sampled users (lease expiry). */
  leasesGoneMs?: number
}

/** Everything a fault handler needs. */
export interface FaultContext {
  stack: SoakStack
  clients: SoakClient[]
  ledger: Ledger
  balancer: Balancer
  /** Unintended socket closes so far (not revocations, not voluntary reconnects). */
  closes: CloseNote[]
  log: (line: string) => void
}

/** Resolves once every running realtime instance answers `/readyz` 200 (or after `timeoutMs`). */
async function allReady(stack: SoakStack, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const states = await Promise.all(
      stack.realtime.map((r) =>
        fetch(`http://127.0.0.1:${r.port}/readyz`, { signal: AbortSignal.timeout(1000) })
          .then((res) => res.status === 200)
          .catch(() => r.child === null),
      ),
    )
    if (states.every(Boolean)) return
    await sleep(100)
  }
}

/**
 * How long the dead instance's connection slots stay counted: polls the slot sets of up to 20 of its users until
 * none holds more live leases than the user has open sockets (the slots expire after the lease, 30 s).
 */
async function leasesGone(ctx: FaultContext, users: string[], from: number): Promise<number | undefined> {
  if (users.length === 0) return undefined
  const raw = createRedisCluster(ctx.stack.cluster.seeds.split(','))
  raw.on('node-error', () => {})
  await raw.connect()
  const k = keys(ctx.stack.prefix)
  try {
    while (Date.now() - from < 90_000) {
      // A poll that fails (a later fault may be failing Redis over meanwhile) is just tried again.
      const counts = await Promise.all(
        users.map((u) => raw.zCount(k.userConnections(u), Date.now(), '+inf')),
      ).catch(() => null)
      const open = users.map(
        (u) => ctx.clients.filter((c) => c.userId === u && ctx.ledger.isOpen(c.index)).length,
      )
      if (counts?.every((n, i) => n <= open[i]!)) return Date.now() - from
      await sleep(1000)
    }
    return undefined
  } finally {
    raw.destroy()
  }
}

/** Kills realtime instance 1 with SIGKILL; its clients reconnect through the others; it restarts later. */
async function killRealtime(ctx: FaultContext, fault: PlannedFault): Promise<FaultEvent> {
  const index = 0
  const at = Date.now()
  const affected = ctx.clients.filter((c) => c.instance === index && ctx.ledger.isOpen(c.index))
  ctx.balancer.setUp(index, false)
  await ctx.stack.killRealtime(index)
  ctx.ledger.fault({ kind: 'realtime instance killed', at, affected: affected.map((c) => c.index) })
  ctx.log(`fault: realtime-1 killed (SIGKILL) with ${affected.length} sockets`)
  const users = [...new Set(affected.map((c) => c.userId))].slice(0, 20)
  const leases = leasesGone(ctx, users, at)
  await sleep(fault.repairAfterMs)
  await ctx.stack.startRealtime(index)
  ctx.balancer.setUp(index, true)
  const repairedAt = Date.now()
  ctx.log('fault repaired: realtime-1 restarted')
  const leasesGoneMs = await leases
  return {
    kind: 'realtime',
    what: 'realtime instance killed (SIGKILL), restarted later',
    at,
    backAt: at,
    repairedAt,
    ...(leasesGoneMs === undefined ? {} : { leasesGoneMs }),
  }
}

/** Kills the Redis master owning slot 0 with SIGKILL; its replica is promoted; the node restarts as a replica. */
async function killRedisMaster(ctx: FaultContext, fault: PlannedFault): Promise<FaultEvent> {
  const at = Date.now()
  const { killed, promoted } = await ctx.stack.cluster.killMaster()
  await allReady(ctx.stack, 30_000)
  const backAt = Date.now()
  ctx.log(
    `fault: redis master ${killed} killed (SIGKILL); ${promoted} promoted; every instance ready after ${backAt - at} ms`,
  )
  ctx.ledger.redisWindow({ from: at, to: backAt + 3000 })
  await sleep(Math.max(3000, fault.repairAfterMs - (Date.now() - at)))
  const closed = ctx.closes.filter((n) => n.at >= at && n.at <= backAt + 3000).map((n) => n.client)
  ctx.ledger.fault({ kind: 'redis master killed', at, affected: [...new Set(closed)] })
  await ctx.stack.cluster.restart(killed)
  ctx.log(`fault repaired: redis node ${killed} back as a replica`)
  return {
    kind: 'redis',
    what: `Redis master killed (SIGKILL), replica promoted`,
    at,
    backAt,
    repairedAt: Date.now(),
  }
}

/** Restarts the api gracefully (SIGTERM, start again): refreshes, tickets and revocations wait meanwhile. */
async function restartApi(ctx: FaultContext): Promise<FaultEvent> {
  const at = Date.now()
  await ctx.stack.restartApi()
  const backAt = Date.now()
  ctx.log(`fault: api restarted (ready again after ${backAt - at} ms)`)
  await sleep(5000)
  const closed = ctx.closes.filter((n) => n.at >= at && n.at <= backAt + 5000).map((n) => n.client)
  ctx.ledger.fault({ kind: 'api restarted', at, affected: [...new Set(closed)] })
  return { kind: 'api', what: 'api restarted (SIGTERM, then started again)', at, backAt, repairedAt: 0 }
}

/** Injects one planned fault and resolves once it is repaired (or recovered from). */
export async function inject(ctx: FaultContext, fault: PlannedFault): Promise<FaultEvent> {
  if (fault.kind === 'realtime') return await killRealtime(ctx, fault)
  if (fault.kind === 'redis') return await killRedisMaster(ctx, fault)
  return await restartApi(ctx)
}
