import { summarise } from '../stats.ts'
import { connect, Refused } from './conn.ts'
import { specFor } from './open.ts'
import type { HandshakeJob, HandshakeResult } from './types.ts'
import { runWindow, type Window } from './window.ts'

/**
 * (a) Handshakes/s at a fixed concurrency: each worker opens a connection, waits until it is ready (Portcullis:
 * `welcome`; Socket.IO: namespace connected), records the latency, starts a clean close and goes again.
 * Tickets are single use: when the supply runs out the window ends early (its real length is reported).
 */
export async function runHandshakes(job: HandshakeJob, w: Window): Promise<HandshakeResult> {
  const latencies: number[] = []
  let count = 0
  let errors = 0
  let firstError: string | undefined
  let next = 0
  let stopped = false
  const single = job.credentials.some((c) => c.kind === 'ticket')

  const worker = async (): Promise<void> => {
    while (!stopped) {
      if (single && next >= job.credentials.length) {
        // Out of tickets: end the window where the supply ended.
        stopped = true
        break
      }
      const i = next++
      const t0 = performance.now()
      let ok = false
      try {
        const conn = await connect(specFor(job.endpoints, job.credentials, i))
        conn.close()
        ok = job.expect === 'accept'
        if (!ok) firstError ??= 'a credential meant to be rejected was accepted'
      } catch (err) {
        ok = job.expect === 'reject' && err instanceof Refused && err.status >= 400
        if (!ok) firstError ??= (err as Error).message
      }
      if (!w.measuring || t0 < w.startedAt) continue
      if (ok) {
        count++
        latencies.push(performance.now() - t0)
      } else errors++
    }
  }
  const workers = Array.from({ length: job.concurrency }, worker)
  await runWindow(w, job.warmupMs, job.durationMs, () => stopped)
  stopped = true
  await Promise.all(workers)
  const { elapsedMs, clientCpuPct } = w.result
  return {
    count,
    errors,
    ratePerS: (count / elapsedMs) * 1000,
    latency: summarise(latencies),
    elapsedMs,
    clientCpuPct,
    firstError,
  }
}
