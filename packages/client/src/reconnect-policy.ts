import { closeAction } from '@portcullis/protocol'
import { backoffDelay, type BackoffOptions } from './backoff.ts'
import type { PortcullisError } from './errors.ts'

/** What the client does next after a close or a failed connect attempt. */
export type ReconnectStep =
  /**
   * Open a new socket after `delayMs`. `required`: the server asked for (part of) this wait (close 4429, a
   * `Retry-After`), so the browser's `online` event does not cut it short.
   */
  | { readonly kind: 'retry'; readonly delayMs: number; readonly required?: boolean }
  /** Refresh the access token, then open a new socket after `delayMs` (a refused refresh logs out). */
  | { readonly kind: 'refresh_then_retry'; readonly delayMs: number }
  /** Stop: `closed` (stay logged in, `connect()` again on demand) or `idle` (logged out). */
  | { readonly kind: 'stop'; readonly state: 'idle' | 'closed' }

/** Inputs of the policy. */
export interface PolicyInput {
  /** Failed attempts since the last `welcome` (0 after a socket that worked). */
  readonly failures: number
  readonly backoff?: BackoffOptions
  /** Extra wait after 4429 (ms). */
  readonly rateLimitedDelayMs: number
  readonly random: () => number
}

/**
 * After the server (or the network) closed a socket: the protocol's close-code table decides
 * (`closeAction`), never a list of our own. See docs/decisions/0301.
 */
export function stepAfterClose(code: number, input: PolicyInput): ReconnectStep {
  const delay = backoffDelay(input.failures, input.backoff, input.random)
  switch (closeAction(code)) {
    case 'reconnect':
      return { kind: 'retry', delayMs: delay }
    case 'back_off':
      return { kind: 'retry', delayMs: input.rateLimitedDelayMs + delay, required: true }
    case 'refresh_then_reconnect':
      return { kind: 'refresh_then_retry', delayMs: delay }
    case 'reconnect_on_demand':
    case 'fix_client':
      return { kind: 'stop', state: 'closed' }
  }
}

/**
 * After a connect attempt failed before any socket opened (ticket call refused, upgrade refused with a
 * status the socket revealed, network). See docs/decisions/0302.
 */
export function stepAfterFailure(error: PortcullisError, input: PolicyInput): ReconnectStep {
  const delay = backoffDelay(input.failures, input.backoff, input.random)
  if (error.code === 'logged_out') return { kind: 'stop', state: 'idle' }
  // 403: this origin is not allowed (or a role is missing); 400/404: a wrong request. Retrying cannot help.
  if (error.code === 'forbidden' || error.code === 'bad_request') return { kind: 'stop', state: 'closed' }
  // An upgrade that refused the bearer token (expired, revoked). A 401 from the ticket call was already
  // followed by one refresh; if that refresh was refused the client is logged out before it gets here.
  if (error.code === 'unauthorized' && error.source === 'socket')
    return { kind: 'refresh_then_retry', delayMs: delay }
  if (error.retryAfterMs === undefined) return { kind: 'retry', delayMs: delay }
  return { kind: 'retry', delayMs: Math.max(error.retryAfterMs, delay), required: true }
}
