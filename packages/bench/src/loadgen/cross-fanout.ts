import { summarise } from '../stats.ts'
import { connect, pushedText, type Conn } from './conn.ts'
import { closeAll, openMany } from './open.ts'
import type { CrossFanoutJob, CrossFanoutResult } from './types.ts'
import { nextLocalAddress, runWindow, type Window } from './window.ts'

/** The longest wait for the window's deliveries after it ends (ms), and how long without one ends it early. */
const DRAIN_MAX_MS = 30_000
const DRAIN_IDLE_MS = 2000

/**
 * `cross-fanout`: every subscriber on one instance, the publisher on another, publishing at a fixed rate, so
 * each delivery crosses the bus between instances. Open loop: a publish's latency runs from its scheduled time,
 * so a stalled server cannot hide its queueing delay. The sequence number travels as the text.
 */
export async function runCrossFanout(job: CrossFanoutJob, w: Window): Promise<CrossFanoutResult> {
  const subs = await openMany(job.endpoints, job.credentials, job.subscribers, 50)
  const live = subs.conns.filter((c): c is Conn => c !== null)
  if (live.length < job.subscribers)
    throw new Error(`only ${live.length} subscribers: ${subs.firstError ?? '?'}`)
  await Promise.all(live.map((c) => c.subscribe()))
  const credential = job.credentials[job.subscribers % job.credentials.length] ?? { kind: 'none' as const }
  const publisher = await connect({ ...job.publisher, credential, localAddress: nextLocalAddress() })

  const scheduledAt: number[] = []
  let firstInWindow = -1
  let lastInWindow = -1
  let deliveries = 0
  let drained = 0
  const latencies: number[] = []
  for (const sub of live) {
    sub.onPush = (frame) => {
      const seq = Number(pushedText(frame))
      const t = scheduledAt[seq]
      if (t === undefined) return
      if (w.measuring) deliveries++
      if (firstInWindow >= 0 && seq >= firstInWindow && (lastInWindow < 0 || seq <= lastInWindow)) {
        drained++
        latencies.push(performance.now() - t)
      }
    }
  }
  let publishes = 0
  const start = performance.now()
  const interval = 1000 / job.ratePerS
  const timer = setInterval(() => {
    // Publish k is due at start + k × interval: the first goes at once.
    const due = Math.floor((performance.now() - start) / interval) + 1
    while (scheduledAt.length < due) {
      const seq = scheduledAt.length
      scheduledAt.push(start + seq * interval)
      if (w.measuring) {
        if (firstInWindow < 0) firstInWindow = seq
        publishes++
      }
      publisher.publish(String(seq))
    }
  }, 1)
  await runWindow(w, job.warmupMs, job.durationMs, () => false)
  clearInterval(timer)
  lastInWindow = scheduledAt.length - 1
  const expected = firstInWindow < 0 ? 0 : (lastInWindow - firstInWindow + 1) * live.length
  // Let in-flight deliveries land so completeness counts every delivery of the window's publishes: until all are
  // in, or nothing arrived for a while (a backlog drains at its own pace; a lost delivery never arrives).
  let seen = -1
  let idleSince = performance.now()
  const drainUntil = performance.now() + DRAIN_MAX_MS
  for (;;) {
    const now = performance.now()
    if (drained >= expected || now > drainUntil) break
    if (drained !== seen) [seen, idleSince] = [drained, now]
    else if (now - idleSince > DRAIN_IDLE_MS) break
    await new Promise((r) => setTimeout(r, 50))
  }
  publisher.close()
  await closeAll(live)
  const { elapsedMs, clientCpuPct } = w.result
  return {
    publishes,
    deliveries,
    deliveriesPerS: (deliveries / elapsedMs) * 1000,
    completeness: expected > 0 ? drained / expected : Number.NaN,
    latency: summarise(latencies),
    elapsedMs,
    clientCpuPct,
  }
}
