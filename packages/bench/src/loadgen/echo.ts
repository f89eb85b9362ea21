import { summarise } from '../stats.ts'
import type { Conn } from './conn.ts'
import { closeAll, openMany } from './open.ts'
import type { EchoJob, EchoResult } from './types.ts'
import { runWindow, type Window } from './window.ts'

/** Latency tracking of request/reply traffic on a set of connections (first-in first-out per connection). */
export class ReplyMeter {
  replies = 0
  errorReplies = 0
  readonly latencies: number[] = []
  readonly #w: Window

  constructor(w: Window) {
    this.#w = w
  }

  /** Wires `conn` so each reply pops the send time of its request; `after` runs after each reply. */
  attach(conn: Conn, after: () => void): number[] {
    const sent: number[] = []
    let head = 0
    conn.onReply = (text) => {
      const t = sent[head++]
      if (head > 1024) {
        sent.splice(0, head)
        head = 0
      }
      const w = this.#w
      if (w.measuring) {
        this.replies++
        if (text.includes('"type":"error"')) this.errorReplies++
        if (t !== undefined && t >= w.startedAt) this.latencies.push(performance.now() - t)
      }
      after()
    }
    return sent
  }
}

/**
 * (b) Request/reply round trips. Closed loop: each connection keeps `inflight` requests outstanding. Open loop
 * (`ratePerS`): requests are sent on a schedule and latency is measured from the scheduled time, so a stalled
 * server cannot hide its queueing delay (no coordinated omission).
 */
export async function runEcho(job: EchoJob, w: Window): Promise<EchoResult> {
  const opened = await openMany(job.endpoints, job.credentials, job.conns, 50)
  const conns = opened.conns.filter((c): c is Conn => c !== null)
  if (conns.length === 0) throw new Error(`no connection opened: ${opened.firstError ?? '?'}`)
  const meter = new ReplyMeter(w)
  let running = true

  if (job.ratePerS === undefined) {
    for (const conn of conns) {
      const sent = meter.attach(conn, () => {
        if (!running) return
        sent.push(performance.now())
        conn.request()
      })
      for (let k = 0; k < job.inflight; k++) {
        sent.push(performance.now())
        conn.request()
      }
    }
    await runWindow(w, job.warmupMs, job.durationMs, () => false)
  } else {
    const queues = conns.map((conn) => meter.attach(conn, () => {}))
    const start = performance.now()
    const interval = 1000 / job.ratePerS
    let issued = 0
    let rr = 0
    const timer = setInterval(() => {
      const due = Math.floor((performance.now() - start) / interval)
      for (; issued < due; issued++) {
        const i = rr++ % conns.length
        ;(queues[i] as number[]).push(start + issued * interval)
        ;(conns[i] as Conn).request()
      }
    }, 1)
    await runWindow(w, job.warmupMs, job.durationMs, () => false)
    clearInterval(timer)
  }
  running = false
  await new Promise((r) => setTimeout(r, 200))
  await closeAll(conns)
  const { elapsedMs, clientCpuPct } = w.result
  return {
    replies: meter.replies,
    errorReplies: meter.errorReplies,
    ratePerS: (meter.replies / elapsedMs) * 1000,
    latency: summarise(meter.latencies),
    elapsedMs,
    clientCpuPct,
    firstError: opened.firstError,
  }
}
