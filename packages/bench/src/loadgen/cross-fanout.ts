import { connect } from './conn.ts'
import { openSubscribers, trackDeliveries } from './deliveries.ts'
import { closeAll } from './open.ts'
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
  const live = await openSubscribers(job.endpoints, job.credentials, job.subscribers)
  const credential = job.credentials[job.subscribers % job.credentials.length] ?? { kind: 'none' as const }
  const publisher = await connect({ ...job.publisher, credential, localAddress: nextLocalAddress() })
  const d = trackDeliveries(live, w)

  const start = performance.now()
  const interval = 1000 / job.ratePerS
  let scheduled = 0
  const timer = setInterval(() => {
    // Publish k is due at start + k × interval: the first goes at once.
    const due = Math.floor((performance.now() - start) / interval) + 1
    for (; scheduled < due; scheduled++) publisher.publish(String(d.publish(start + scheduled * interval)))
  }, 1)
  await runWindow(w, job.warmupMs, job.durationMs, () => false)
  clearInterval(timer)
  d.closeWindow()
  // Let in-flight deliveries land so completeness counts every delivery of the window's publishes: until all are
  // in, or nothing arrived for a while (a backlog drains at its own pace; a lost delivery never arrives).
  let seen = -1
  let idleSince = performance.now()
  const drainUntil = performance.now() + DRAIN_MAX_MS
  for (;;) {
    const now = performance.now()
    if (d.drained >= d.expected || now > drainUntil) break
    if (d.drained !== seen) [seen, idleSince] = [d.drained, now]
    else if (now - idleSince > DRAIN_IDLE_MS) break
    await new Promise((r) => setTimeout(r, 50))
  }
  publisher.close()
  await closeAll(live)
  return d.result(w)
}
