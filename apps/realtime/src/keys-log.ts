import type { FastifyBaseLogger } from 'fastify'
import type { FetchFailure, JwksSource, KeysUpdate } from '@portcullis/tokens'

/**
 * Logs the key lifecycle on transitions only (a cold start retries every second; an outage every ≤ 10 s): the
 * first failed JWKS fetch (a warning: until keys load, upgrades that need them get 503 and `/readyz` is 503),
 * then the first success after failures, and every change of the key set. Messages never hold key material.
 * Returns the function that stops it.
 */
export function logKeyLifecycle(keys: JwksSource, log: FastifyBaseLogger): () => void {
  let failing = false
  const failed = ({ error, consecutiveFailures, retryInMs }: FetchFailure): void => {
    if (failing) return
    failing = true
    const status = keys.status()
    log.warn(
      {
        reason: error.reason,
        err: { message: error.message },
        consecutiveFailures,
        retryInMs,
        ready: status.ready,
      },
      status.lastSuccessAt === null
        ? 'JWKS not reachable yet: upgrades that need the keys answer 503 until it is (retrying)'
        : 'JWKS fetch failed: keeping the cached keys until JWKS_MAX_STALE_S (retrying)',
    )
  }
  const updated = ({ kids, added, removed }: KeysUpdate): void => {
    if (failing) log.info({ kids }, 'JWKS reachable again')
    failing = false
    if (added.length > 0 || removed.length > 0) log.info({ kids, added, removed }, 'signing keys loaded')
  }
  keys.on('fetchFailed', failed)
  keys.on('updated', updated)
  return () => {
    keys.off('fetchFailed', failed)
    keys.off('updated', updated)
  }
}
