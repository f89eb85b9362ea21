import { summarise } from '../stats.ts'
import { connect, pushedText, type Conn } from './conn.ts'
import { closeAll, openMany, specFor } from './open.ts'
import type { FanoutJob, FanoutResult } from './types.ts'
import { runWindow, type Window } from './window.ts'

/**
 * (c) Fan-out: `subscribers` connections spread over the endpoints subscribe to one channel; one publisher on the
 * first endpoint keeps `inflight` publishes outstanding. Each publish carries its sequence number as text, so a
 * subscriber measures delivery latency against the send time kept here (one process, one clock).
 */
export async function runFanout(job: FanoutJob, w: Window): Promise<FanoutResult> {
  const subs = await openMany(job.endpoints, job.credentials, job.subscribers, 50)
  const live = subs.conns.filter((c): c is Conn => c !== null)
  if (live.length < job.subscribers)
    throw new Error(`only ${live.length} subscribers: ${subs.firstError ?? '?'}`)
  await Promise.all(live.map((c) => c.subscribe()))

  // The publisher uses a credential no subscriber uses (index past the subscribers).
  const publisher = await connect(specFor(job.endpoints.slice(0, 1), job.credentials, job.subscribers))
  const sentAt: number[] = []
  let firstInWindow = -1
  let lastInWindow = -1
  let deliveries = 0
  let drained = 0
  const latencies: number[] = []
  for (const sub of live) {
    sub.onPush = (frame) => {
      const seq = Number(pushedText(frame))
      const t = sentAt[seq]
      if (t === undefined) return
      if (w.measuring) deliveries++
      if (seq >= firstInWindow && firstInWindow >= 0 && (lastInWindow < 0 || seq <= lastInWindow)) {
        drained++
        latencies.push(performance.now() - t)
      }
    }
  }

  let running = true
  let publishes = 0
  const send = (): void => {
    const seq = sentAt.length
    sentAt.push(performance.now())
    if (w.measuring) {
      if (firstInWindow < 0) firstInWindow = seq
      publishes++
    }
    publisher.publish(String(seq))
  }
  publisher.onReply = () => {
    if (running) send()
  }
  for (let k = 0; k < job.inflight; k++) send()
  await runWindow(w, job.warmupMs, job.durationMs, () => false)
  running = false
  lastInWindow = sentAt.length - 1
  // Let in-flight deliveries land so completeness counts every delivery of the window's publishes.
  await new Promise((r) => setTimeout(r, 1000))
  publisher.close()
  await closeAll(live)
  const { elapsedMs, clientCpuPct } = w.result
  return {
    publishes,
    deliveries,
    deliveriesPerS: (deliveries / elapsedMs) * 1000,
    completeness: publishes > 0 ? drained / ((lastInWindow - firstInWindow + 1) * live.length) : Number.NaN,
    latency: summarise(latencies),
    elapsedMs,
    clientCpuPct,
  }
}
