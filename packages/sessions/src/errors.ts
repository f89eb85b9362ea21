import createError, { type FastifyErrorConstructor } from '@fastify/error'
import { ErrorReply } from 'redis'

/**
 * THE error of an unavailable session store, thrown by every store, limit and counter call of this package that
 * failed because Redis could not serve it: unreachable (refused, reset, offline while reconnecting), stalled past
 * the call's deadline, overloaded (command queue full), or a cluster that is down or moving slots (`CLUSTERDOWN`,
 * `TRYAGAIN`, `MOVED`/`ASK` past the redirection limit, `MASTERDOWN`, `READONLY` during a failover, `LOADING`).
 * Status 503, code `STORE_ERR_UNAVAILABLE`; the original failure is its `cause`. Each app maps it to 503 +
 * `Retry-After` in ONE place (its error handler); realtime also fails closed on live sockets (1013 after
 * `STORE_GRACE_MS`). A reply that says the call itself was wrong (`ERR`, `WRONGTYPE`, a Lua error) is a bug and
 * is passed through unchanged.
 * @example
 * try { await store.getSession(sid) } catch (err) { if (err instanceof StoreUnavailableError) return reply503() }
 */
export const StoreUnavailableError: FastifyErrorConstructor<{
  code: 'STORE_ERR_UNAVAILABLE'
  statusCode: 503
}> = createError('STORE_ERR_UNAVAILABLE', 'session store unavailable, retry shortly', 503)

/** True for a `StoreUnavailableError` (also one that crossed a module boundary and lost its prototype). */
export function isStoreUnavailable(err: unknown): boolean {
  return (
    err instanceof StoreUnavailableError ||
    (err instanceof Error && (err as { code?: unknown }).code === 'STORE_ERR_UNAVAILABLE')
  )
}

/**
 * Reply prefixes that mean "not now" rather than "wrong call": a cluster that is down, failing over or moving
 * slots, a server loading its data, out of memory or refusing writes, a busy script, or credentials the server
 * refuses (misconfiguration: fail closed like an outage, the readiness check shows it).
 */
const TRANSIENT_REPLIES =
  /^(CLUSTERDOWN|TRYAGAIN|MOVED|ASK|MASTERDOWN|READONLY|LOADING|BUSY|NOREPLICAS|OOM|MISCONF|NOAUTH|WRONGPASS|NOPERM)\b/

/**
 * Classifies a failed Redis call: a `StoreUnavailableError` (with the failure as `cause`) for anything but a reply
 * that says the call was wrong, which is returned unchanged (a bug: let it be a 500, loudly).
 * @example await redis.get(key).catch((err) => { throw storeFailure(err) })
 */
export function storeFailure(err: unknown): Error {
  if (isStoreUnavailable(err)) return err as Error
  if (err instanceof ErrorReply && !TRANSIENT_REPLIES.test(err.message)) return err
  return new StoreUnavailableError({ cause: err })
}
