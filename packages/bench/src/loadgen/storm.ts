import { DEFAULT_BACKOFF } from '@portcullis/client'
import { connect, Refused, type Conn } from './conn.ts'
import { closeAll, openMany, specFor } from './open.ts'
import type { StormOpenJob, StormOpenResult, StormWaitJob, StormWaitResult } from './types.ts'

/**
 * The SDK's reconnect delay after `failures` failed attempts: full jitter over a window that starts at
 * `DEFAULT_BACKOFF.baseMs` and doubles up to `maxMs` (packages/client/src/backoff.ts; a dropped socket, close
 * 1006, is a plain `reconnect` in the protocol's close-code table), so a crowd spreads as real clients would.
 */
function sdkDelay(failures: number): number {
  const window = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.baseMs * 2 ** failures)
  return Math.floor(Math.random() * window)
}

interface Storm {
  job: StormOpenJob
  conns: Conn[]
  dropped: number
  firstDropAt: number
  backAt: number[]
  failedAttempts: number
  /** Failed attempts by reason: HTTP status and the body's error `code`, or the network error. */
  failures: Record<string, number>
  firstError?: string
  closing: boolean
  /** Resolves `storm.wait` once every dropped connection is back. */
  onBack: () => void
}

let storm: Storm | undefined

/** Opens the storm's connections and arms reconnection on each (one storm at a time). */
export async function stormOpen(job: StormOpenJob): Promise<StormOpenResult> {
  const opened = await openMany(job.endpoints, job.credentials, job.count, job.concurrency)
  const s: Storm = {
    job,
    conns: [],
    dropped: 0,
    firstDropAt: 0,
    backAt: [],
    failedAttempts: 0,
    failures: {},
    closing: false,
    onBack: () => {},
  }
  storm = s
  opened.conns.forEach((conn, i) => {
    if (conn) watch(s, conn, i)
  })
  return { opened: s.conns.length, failed: opened.failed, firstError: opened.firstError }
}

function watch(s: Storm, conn: Conn, i: number): void {
  s.conns.push(conn)
  void conn.closed.then(() => {
    if (s.closing) return
    s.dropped++
    if (s.firstDropAt === 0) s.firstDropAt = Date.now()
    reconnect(s, i, 0)
  })
}

function reconnect(s: Storm, i: number, failures: number): void {
  setTimeout(() => {
    if (s.closing) return
    connect({ ...specFor(s.job.reconnectEndpoints, s.job.credentials, i), explain: true }).then(
      (conn) => {
        s.backAt.push(Date.now())
        if (s.closing) return conn.close()
        s.conns.push(conn)
        if (s.backAt.length >= s.dropped) s.onBack()
      },
      (err: unknown) => {
        s.failedAttempts++
        s.firstError ??= (err as Error).message
        const reason = reasonOf(err)
        s.failures[reason] = (s.failures[reason] ?? 0) + 1
        reconnect(s, i, failures + 1)
      },
    )
  }, sdkDelay(failures))
}

/** `503 store_unavailable` (status and the refusal body's `error` code), or the network error (short). */
function reasonOf(err: unknown): string {
  if (err instanceof Refused) {
    const code = /"error":"([a-z_]+)"/.exec(err.message)?.[1]
    return code ? `${err.status} ${code}` : String(err.status)
  }
  return (err as Error).message.slice(0, 60)
}

/** Waits until every dropped connection is back (or the timeout), closes everything and reports the times. */
export async function stormWait(job: StormWaitJob): Promise<StormWaitResult> {
  const s = storm
  if (!s) throw new Error('no storm open')
  let timer: NodeJS.Timeout | undefined
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (s.dropped > 0 && s.backAt.length >= s.dropped) resolve()
    }
    s.onBack = check
    timer = setTimeout(resolve, job.timeoutMs)
    check()
  })
  clearTimeout(timer)
  s.closing = true
  storm = undefined
  await closeAll(s.conns)
  return {
    dropped: s.dropped,
    back: Math.min(s.backAt.length, s.dropped),
    firstDropAt: s.firstDropAt,
    backAt: s.backAt.toSorted((a, b) => a - b),
    failedAttempts: s.failedAttempts,
    failures: s.failures,
    firstError: s.firstError,
  }
}
