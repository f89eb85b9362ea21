import { withDeadline, type SessionStore } from '@portcullis/sessions'
import { StoreUnavailable } from './errors.ts'

/**
 * Wraps a session store so that every rejection becomes `StoreUnavailable` (503 + Retry-After), with the
 * original error as `cause`. The store's client already fails fast (offline queue off, command timeout), and a
 * request stops at its first failed call, so a 503 comes within about one command timeout.
 */
export function guardStore(store: SessionStore): SessionStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function' || prop === 'close') return value
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
        } catch (err) {
          throw new StoreUnavailable({ cause: err })
        }
      }
    },
  })
}

/** Longest wait for one raw Redis call, ms (the store bounds its own calls the same way). */
export const REDIS_CALL_TIMEOUT_MS = 1000

/** Runs a raw Redis call with a deadline, turning any failure into `StoreUnavailable`. */
export async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await withDeadline(fn(), REDIS_CALL_TIMEOUT_MS)
  } catch (err) {
    throw new StoreUnavailable({ cause: err })
  }
}
