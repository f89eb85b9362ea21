import { summarise } from '../stats.ts'
import type { Conn } from './conn.ts'
import { ReplyMeter } from './echo.ts'
import { closeAll, openMany } from './open.ts'
import type {
  PoolCloseJob,
  PoolCloseResult,
  PoolOpenJob,
  PoolOpenResult,
  PoolTrickleJob,
  PoolTrickleResult,
  RevokeJob,
  RevokeResult,
} from './types.ts'
import { createWindow, type Window } from './window.ts'

/** Long-lived connection pools for the idle-memory (d) and revocation (e) scenarios, by name. */
const pools = new Map<string, Array<{ conn: Conn; tag: string | undefined }>>()

function pool(name: string): Array<{ conn: Conn; tag: string | undefined }> {
  const found = pools.get(name)
  if (!found) throw new Error(`no pool ${name}`)
  return found
}

/** Opens the pool's connections and keeps them idle. */
export async function poolOpen(job: PoolOpenJob): Promise<PoolOpenResult> {
  const t0 = performance.now()
  const opened = await openMany(job.endpoints, job.credentials, job.count, job.concurrency)
  const entries = pools.get(job.pool) ?? []
  opened.conns.forEach((conn, i) => {
    if (conn) entries.push({ conn, tag: job.tags?.[i] })
  })
  pools.set(job.pool, entries)
  return {
    opened: job.count - opened.failed,
    failed: opened.failed,
    elapsedMs: performance.now() - t0,
    firstError: opened.firstError,
  }
}

/** Every connection sends `perConnPerS` requests a second, phases spread evenly, for the whole window. */
export async function poolTrickle(job: PoolTrickleJob, w: Window): Promise<PoolTrickleResult> {
  const entries = pool(job.pool)
  const meter = new ReplyMeter(w)
  const queues = entries.map(({ conn }) => meter.attach(conn, () => {}))
  const total = entries.length * job.perConnPerS
  const interval = 1000 / total
  const start = performance.now()
  let sent = 0
  w.start()
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - start) / interval)
    for (; sent < due; sent++) {
      const i = sent % entries.length
      ;(queues[i] as number[]).push(start + sent * interval)
      ;(entries[i] as { conn: Conn }).conn.request()
    }
  }, 5)
  await new Promise((r) => setTimeout(r, job.durationMs))
  clearInterval(timer)
  // The window closes after a drain, so replies still in flight count (a missing reply is a real loss).
  await new Promise((r) => setTimeout(r, 500))
  w.end()
  for (const { conn } of entries) conn.onReply = () => {}
  return {
    sent,
    replies: meter.replies,
    errorReplies: meter.errorReplies,
    latency: summarise(meter.latencies),
    ...w.result,
  }
}

/** Closes the pool's connections. */
export async function poolClose(job: PoolCloseJob): Promise<PoolCloseResult> {
  const t0 = performance.now()
  const closed = await closeAll(pool(job.pool).map((e) => e.conn))
  pools.delete(job.pool)
  return { closed, elapsedMs: performance.now() - t0 }
}

/**
 * (e) Revocation → close: for each tagged connection, revokes its session through the shared session store
 * (as the api does on logout or admin revocation) and times until the socket closes. Paced so "idle" means idle.
 */
export async function revoke(job: RevokeJob): Promise<RevokeResult> {
  const { connectRedis, RedisSessionStore, whenReady } = await import('@portcullis/sessions/redis')
  const redis = connectRedis(job.redis, { name: 'bench-revoker' })
  await whenReady(redis, 10_000)
  const store = new RedisSessionStore({ redis, prefix: job.prefix, ownsRedis: true })
  let background: { stop: () => Promise<number> } | undefined
  if (job.background) background = await startBackground(job.background)

  const entries = pool(job.pool).filter((e) => e.tag !== undefined)
  const latencies: number[] = []
  const codes: Record<string, number> = {}
  let closed = 0
  const waits: Array<Promise<void>> = []
  for (const { conn, tag } of entries) {
    const t0 = performance.now()
    waits.push(
      Promise.race([
        conn.closed,
        new Promise<null>((r) => setTimeout(() => r(null), job.timeoutMs).unref()),
      ]).then((c) => {
        if (!c) return
        closed++
        codes[c.code] = (codes[c.code] ?? 0) + 1
        latencies.push(c.at - t0)
      }),
    )
    await store.revokeSession(tag as string, 'bench')
    await new Promise((r) => setTimeout(r, job.paceMs))
  }
  await Promise.all(waits)
  const backgroundRatePerS = background ? await background.stop() : undefined
  await store.close()
  pools.delete(job.pool)
  for (const { conn } of entries) conn.ws.terminate()
  return {
    revoked: entries.length,
    closed,
    notClosed: entries.length - closed,
    latency: summarise(latencies),
    codes,
    backgroundRatePerS,
  }
}

async function startBackground(
  load: NonNullable<RevokeJob['background']>,
): Promise<{ stop: () => Promise<number> }> {
  const opened = await openMany(load.endpoints, load.credentials, load.conns, 50)
  const conns = opened.conns.filter((c): c is Conn => c !== null)
  const w = createWindow(() => {})
  const meter = new ReplyMeter(w)
  let running = true
  for (const conn of conns) {
    const sent = meter.attach(conn, () => {
      if (!running) return
      sent.push(performance.now())
      conn.request()
    })
    for (let k = 0; k < load.inflight; k++) {
      sent.push(performance.now())
      conn.request()
    }
  }
  w.start()
  return {
    async stop() {
      w.end()
      running = false
      await closeAll(conns)
      return (meter.replies / w.result.elapsedMs) * 1000
    },
  }
}
