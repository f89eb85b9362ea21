import { connect } from './conn.ts'
import { openSubscribers, trackDeliveries } from './deliveries.ts'
import { closeAll, specFor } from './open.ts'
import type { FanoutJob, FanoutResult } from './types.ts'
import { runWindow, type Window } from './window.ts'

/**
 * (c) Fan-out: `subscribers` connections spread over the endpoints subscribe to one channel; one publisher on the
 * first endpoint keeps `inflight` publishes outstanding. Each publish carries its sequence number as text, so a
 * subscriber measures delivery latency against the send time kept here (one process, one clock).
 */
export async function runFanout(job: FanoutJob, w: Window): Promise<FanoutResult> {
  const live = await openSubscribers(job.endpoints, job.credentials, job.subscribers)
  // The publisher uses a credential no subscriber uses (index past the subscribers).
  const publisher = await connect(specFor(job.endpoints.slice(0, 1), job.credentials, job.subscribers))
  const d = trackDeliveries(live, w)

  let running = true
  const send = (): void => publisher.publish(String(d.publish(performance.now())))
  publisher.onReply = () => {
    if (running) send()
  }
  for (let k = 0; k < job.inflight; k++) send()
  await runWindow(w, job.warmupMs, job.durationMs, () => false)
  running = false
  d.closeWindow()
  // Let in-flight deliveries land so completeness counts every delivery of the window's publishes.
  await new Promise((r) => setTimeout(r, 1000))
  publisher.close()
  await closeAll(live)
  return d.result(w)
}
