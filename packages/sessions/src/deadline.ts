/** A store call that got no answer in time (a stalled or overloaded Redis): callers fail closed like an outage. */
export class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`session store did not answer within ${ms} ms`)
    this.name = 'StoreTimeoutError'
  }
}

/** Granularity of the shared deadline wheel (ms): a deadline fires at most this much late. */
const TICK_MS = 50

interface Pending {
  settled: boolean
  ms: number
  reject: (err: Error) => void
}

/**
 * One shared coarse timer for every pending call instead of one `setTimeout` (or `AbortSignal.timeout`) per Redis
 * command: calls are bucketed by the tick their deadline falls in; the timer runs only while some are pending.
 * Buckets hold settled calls too until their tick passes (a flag, no removal cost on the hot path).
 */
const buckets = new Map<number, Pending[]>()
let timer: NodeJS.Timeout | null = null
const timeoutListeners = new Set<(timedOut: number) => void>()

/**
 * Calls `listener` with the number of calls that timed out, once per tick that had any (not per call, so a stalled
 * Redis under load costs one callback per 50 ms). Returns the function that removes it. Apps log from it,
 * rate-limited: timeouts would otherwise be silent (callers see only `StoreTimeoutError`).
 * @example const off = onStoreTimeouts((n) => log.warn({ timedOut: n }, 'session store calls timed out'))
 */
export function onStoreTimeouts(listener: (timedOut: number) => void): () => void {
  timeoutListeners.add(listener)
  return () => void timeoutListeners.delete(listener)
}

function sweep(): void {
  const due = Math.floor(Date.now() / TICK_MS)
  let timedOut = 0
  for (const [tick, calls] of buckets) {
    if (tick > due) continue
    buckets.delete(tick)
    for (const call of calls) {
      if (call.settled) continue
      call.settled = true
      timedOut += 1
      call.reject(new StoreTimeoutError(call.ms))
    }
  }
  if (timedOut > 0) for (const listener of timeoutListeners) listener(timedOut)
  if (buckets.size === 0 && timer) {
    clearInterval(timer)
    timer = null
  }
}

/**
 * Rejects with `StoreTimeoutError` when `work` takes longer than `ms` (at most one tick, 50 ms, later).
 * node-redis's own command timeout only covers the wait before a command is written, and costs an
 * `AbortSignal.timeout` per command; this bounds the whole call with one shared timer, so a stalled server never
 * hangs callers (docs/reference/http-api.md: 503 within 2 s). (The command itself stays queued until the reply or a disconnect.)
 * @example await withDeadline(client.get(key), 1000)
 */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const call: Pending = { settled: false, ms, reject }
    work.then(
      (value) => {
        if (call.settled) return
        call.settled = true
        resolve(value)
      },
      (err: unknown) => {
        if (call.settled) return
        call.settled = true
        reject(err as Error)
      },
    )
    const tick = Math.ceil((Date.now() + ms) / TICK_MS)
    const bucket = buckets.get(tick)
    if (bucket) bucket.push(call)
    else buckets.set(tick, [call])
    timer ??= setInterval(sweep, TICK_MS).unref()
  })
}
