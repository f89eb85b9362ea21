import type { AssumedLimits } from '../options.ts'

/** What the deployment counts per client address within a minute. */
export type PacedKind = 'upgrade' | 'authFailure' | 'login'

const WINDOW_MS = 60_000

/**
 * Keeps the suite's own traffic below the deployment's per-IP limits (connect rate, failed authentications,
 * logins), so that ordinary cases never get the client blocked: before a request it waits until the last minute
 * from that address leaves room. Sliding windows are conservative against the server's fixed or sliding ones.
 * Flood cases do not ask it: they mean to cross the limits.
 * @example await pacer.reserve('127.0.0.1', { upgrade: 1, authFailure: 1 }); … pacer.record(src, 'authFailure')
 */
export class Pacer {
  readonly #limits: Record<PacedKind, number>
  readonly #events = new Map<string, Map<PacedKind, number[]>>()
  readonly #now: () => number
  readonly #sleep: (ms: number) => Promise<void>
  /** Total time spent waiting, ms. */
  waitedMs = 0

  constructor(
    limits: AssumedLimits,
    clock: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
  ) {
    // One below each limit: the limit-th event is the one that trips it.
    this.#limits = {
      upgrade: Math.max(1, limits.connectPerMin - 1),
      authFailure: Math.max(1, limits.authFailuresPerMin - 1),
      login: Math.max(1, limits.loginPerMin - 1),
    }
    this.#now = clock.now ?? Date.now
    this.#sleep = clock.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
  }

  #list(source: string, kind: PacedKind): number[] {
    let bySource = this.#events.get(source)
    if (!bySource) this.#events.set(source, (bySource = new Map()))
    let list = bySource.get(kind)
    if (!list) bySource.set(kind, (list = []))
    const cutoff = this.#now() - WINDOW_MS
    while (list.length > 0 && list[0]! <= cutoff) list.shift()
    return list
  }

  /** Records one event that happened (an upgrade sent, a 401 received, a login sent). */
  record(source: string, kind: PacedKind): void {
    this.#list(source, kind).push(this.#now())
  }

  /**
   * Waits until `needs` more events of each kind fit in the window from `source`. Asking for more than a window
   * holds waits for an empty window (a batch larger than the limit is the caller's bug, not a reason to hang).
   */
  async reserve(source: string, needs: Partial<Record<PacedKind, number>>): Promise<void> {
    for (;;) {
      let waitMs = 0
      for (const kind of Object.keys(needs) as PacedKind[]) {
        const need = Math.min(needs[kind] ?? 0, this.#limits[kind])
        const list = this.#list(source, kind)
        const excess = list.length + need - this.#limits[kind]
        if (excess > 0) waitMs = Math.max(waitMs, list[excess - 1]! + WINDOW_MS - this.#now() + 1)
      }
      if (waitMs <= 0) return
      this.waitedMs += waitMs
      await this.#sleep(waitMs)
    }
  }
}
