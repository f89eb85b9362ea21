import type { BackoffOptions } from './backoff.ts'
import type { DebugLogger } from './debug.ts'
import { PortcullisError } from './errors.ts'
import { stepAfterClose, stepAfterFailure, type PolicyInput, type ReconnectStep } from './reconnect-policy.ts'

/** The reconnect settings of the client's options. */
export interface ReconnectSettings {
  readonly backoff?: BackoffOptions
  readonly rateLimitedDelayMs?: number
  readonly maxReconnectAttempts?: number
  readonly random?: () => number
}

/** What the reconnector drives in the client. */
export interface ReconnectHost {
  /** Start one connect attempt now. */
  readonly open: () => void
  /** Renew the access token after the server refused it (4401, a refused upgrade). */
  readonly renew: () => Promise<unknown>
  /** The renewal failed: handled like a failed connect attempt. */
  readonly failed: (error: unknown) => void
  /** Retrying cannot help (or attempts ran out): stop in `state`, failing whatever waits with `error`. */
  readonly giveUp: (state: 'idle' | 'closed', error: PortcullisError) => void
  /** Enter state `reconnecting`. */
  readonly waiting: () => void
  /** Does the caller still want a socket? */
  readonly wanted: () => boolean
  readonly debug: DebugLogger
}

/**
 * Carries out the reconnect policy (`stepAfterClose` / `stepAfterFailure`, docs/decisions/0301): counts the
 * failures since the last `welcome`, waits the backoff, renews first where the server refused the token, and
 * gives up where retrying cannot help or `maxReconnectAttempts` ran out.
 */
export class Reconnector {
  readonly #settings: ReconnectSettings
  readonly #host: ReconnectHost
  #failures = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  /** The pending wait is pure backoff, not one the server asked for: the `online` event may cut it short. */
  #interruptible = false
  /** Bumped by `cancel()`: a renewal still in flight then schedules nothing (no second socket). */
  #generation = 0

  constructor(settings: ReconnectSettings, host: ReconnectHost) {
    this.#settings = settings
    this.#host = host
  }

  /** Failed attempts since the last `welcome`. */
  get failures(): number {
    return this.#failures
  }

  /** A socket worked (`welcome`) or the caller asked again (`connect()`): the next wait is the shortest. */
  reset(): void {
    this.#failures = 0
  }

  /** What follows a close with `code`. */
  afterClose(code: number): ReconnectStep {
    return stepAfterClose(code, this.#policy())
  }

  /** What follows a connect attempt that failed before any socket opened. */
  afterFailure(error: PortcullisError): ReconnectStep {
    return stepAfterFailure(error, this.#policy())
  }

  /** Carries out a step; `reason` is what waiting requests fail with if it is `stop`. */
  apply(step: ReconnectStep, reason: PortcullisError): void {
    if (step.kind === 'stop') return this.#host.giveUp(step.state, reason)
    // Reset on every welcome: a socket that worked restarts at the smallest window, while attempts that
    // keep failing back off further each time.
    this.#failures++
    if (step.kind === 'retry') return this.#schedule(step.delayMs, step.required !== true)
    this.#host.waiting()
    const generation = this.#generation
    // A refused renewal logs out, which clears `wanted`: the chain then ends quietly.
    this.#host.renew().then(
      () => {
        if (generation === this.#generation) this.#schedule(step.delayMs, true)
      },
      (error: unknown) => {
        if (generation === this.#generation) this.#host.failed(error)
      },
    )
  }

  /** The network came back: skip the rest of a backoff wait. False when there is none to skip. */
  cutShort(): boolean {
    if (this.#timer === undefined || !this.#interruptible) return false
    this.cancel()
    this.#failures = 0
    this.#host.open()
    return true
  }

  /** Drops a pending wait, or the retry a renewal in flight would schedule. */
  cancel(): void {
    this.#generation++
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #policy(): PolicyInput {
    const { backoff, rateLimitedDelayMs = 10_000, random = Math.random } = this.#settings
    return { failures: this.#failures, rateLimitedDelayMs, random, ...(backoff ? { backoff } : {}) }
  }

  #schedule(delayMs: number, interruptible: boolean): void {
    if (!this.#host.wanted()) return
    const max = this.#settings.maxReconnectAttempts ?? Number.POSITIVE_INFINITY
    if (this.#failures > max) {
      const error = new PortcullisError('not_connected', `gave up after ${max} reconnects`, {
        source: 'client',
      })
      return this.#host.giveUp('closed', error)
    }
    this.#host.waiting()
    clearTimeout(this.#timer)
    this.#interruptible = interruptible
    this.#host.debug('reconnect scheduled', { inMs: delayMs, failures: this.#failures, interruptible })
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.#host.wanted()) this.#host.open()
    }, delayMs)
  }
}
