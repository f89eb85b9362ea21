import type { FastifyBaseLogger } from 'fastify'
import { onStoreTimeouts } from '@portcullis/sessions'

/** At most one log line per this many ms about Redis calls that timed out. */
const LOG_EVERY_MS = 10_000

/**
 * Logs Redis calls that hit their deadline (a stalled or overloaded Redis), rate-limited: the first timeout at
 * once, then one line per 10 s with the count since the last line. Returns the function that stops it.
 */
export function logStoreTimeouts(log: FastifyBaseLogger): () => void {
  let lastAt = 0
  let pending = 0
  return onStoreTimeouts((n) => {
    pending += n
    const now = Date.now()
    if (now - lastAt < LOG_EVERY_MS) return
    log.warn({ timedOut: pending }, 'session store calls timed out (503 / fail closed meanwhile)')
    lastAt = now
    pending = 0
  })
}
