import { summarise } from '../stats.ts'
import { pushedText, type Conn, type Credential } from './conn.ts'
import { openMany } from './open.ts'
import type { Endpoint, FanoutResult } from './types.ts'
import type { Window } from './window.ts'

/** Opens `count` subscribers over `endpoints` (50 handshakes at a time) and subscribes each; any failure throws. */
export async function openSubscribers(
  endpoints: Endpoint[],
  credentials: Credential[],
  count: number,
): Promise<Conn[]> {
  const subs = await openMany(endpoints, credentials, count, 50)
  const live = subs.conns.filter((c): c is Conn => c !== null)
  if (live.length < count) throw new Error(`only ${live.length} subscribers: ${subs.firstError ?? '?'}`)
  await Promise.all(live.map((c) => c.subscribe()))
  return live
}

/** What a fan-out load records: its publishes, and every subscriber's deliveries of them. */
export interface Deliveries {
  /** Deliveries of the window's publishes received so far (the drain waits on this). */
  readonly drained: number
  /** Deliveries the window's publishes owe once `closeWindow()` ran: publishes in the window × subscribers. */
  readonly expected: number
  /**
   * Records the next publish, due at `at` (ms, `performance.now()`: its send time, or its scheduled time in an
   * open loop), and returns its sequence number, the text the publisher sends.
   */
  publish(at: number): number
  /** Ends the window: publishes recorded from now on fall outside it. */
  closeWindow(): void
  /** The job's result over window `w`. */
  result(w: Window): FanoutResult
}

/**
 * Records every delivery to `subscribers` (it sets their `onPush`). A push carries a publish's sequence number as
 * its text; its latency runs from that publish's `at`. Latency and completeness count only the window's publishes
 * (from the first one recorded while `w.measuring` to the last before `closeWindow()`), whenever they land.
 *
 * @example
 * const d = trackDeliveries(subscribers, w)
 * publisher.publish(String(d.publish(performance.now())))
 */
export function trackDeliveries(subscribers: Conn[], w: Window): Deliveries {
  const at: number[] = []
  let firstInWindow = -1
  let lastInWindow = -1
  let publishes = 0
  let deliveries = 0
  let drained = 0
  const latencies: number[] = []
  for (const sub of subscribers) {
    sub.onPush = (frame) => {
      const seq = Number(pushedText(frame))
      const t = at[seq]
      if (t === undefined) return
      if (w.measuring) deliveries++
      if (firstInWindow >= 0 && seq >= firstInWindow && (lastInWindow < 0 || seq <= lastInWindow)) {
        drained++
        latencies.push(performance.now() - t)
      }
    }
  }
  const expected = (): number =>
    firstInWindow < 0 || lastInWindow < 0 ? 0 : (lastInWindow - firstInWindow + 1) * subscribers.length
  return {
    get drained() {
      return drained
    },
    get expected() {
      return expected()
    },
    publish(t) {
      const seq = at.length
      at.push(t)
      if (w.measuring) {
        if (firstInWindow < 0) firstInWindow = seq
        publishes++
      }
      return seq
    },
    closeWindow() {
      lastInWindow = at.length - 1
    },
    result({ result: { elapsedMs, clientCpuPct } }) {
      const owed = expected()
      return {
        publishes,
        deliveries,
        deliveriesPerS: (deliveries / elapsedMs) * 1000,
        completeness: owed > 0 ? drained / owed : Number.NaN,
        latency: summarise(latencies),
        elapsedMs,
        clientCpuPct,
      }
    },
  }
}
