import { randomUUID } from 'node:crypto'
import { context } from '@opentelemetry/api'
import { suppressTracing } from '@opentelemetry/core'
import { securityFeedMessage, type SecurityFeedEntry } from '@portcullis/protocol'
import type { SecurityEventFields } from './security-event.ts'

/**
 * The fields an event may carry into the feed, with their type and length bound: identifiers only. Nothing else
 * can reach an entry, whatever an app passes to `securityEvent` (tokens, tickets, bodies, free text).
 */
const FEED_FIELDS = {
  reason: { kind: 'text', max: 64 },
  status: { kind: 'int' },
  code: { kind: 'int' },
  ip: { kind: 'text', max: 64 },
  origin: { kind: 'text', max: 128 },
  userId: { kind: 'text', max: 128 },
  sessionId: { kind: 'text', max: 128 },
  actor: { kind: 'text', max: 128 },
  roles: { kind: 'text', max: 64 },
  sockets: { kind: 'count' },
} as const

/** A field an event may carry into the feed (see `SecurityFeedEntry`). */
export type FeedField = keyof typeof FEED_FIELDS

/** How one event name reaches the feed: which of its fields, and, optionally, only some of its occurrences. */
export interface FeedRule {
  /** The fields copied into the entry when present (every other field is left out). */
  readonly fields: readonly FeedField[]
  /** Only occurrences for which this holds reach the feed (e.g. `ws.closed` with a rate-limit close code). */
  readonly when?: (fields: SecurityEventFields) => boolean
}

/**
 * An app's allowlist: the events that reach the feed, by name. Typed by the app's vocabulary
 * (`SecurityFeedRules<ApiSecurityEvent>`), so a rule cannot name an event the app does not have.
 * @example const RULES: SecurityFeedRules<ApiSecurityEvent> = { 'auth.login.failed': { fields: ['reason', 'ip'] } }
 */
export type SecurityFeedRules<N extends string = string> = Readonly<Partial<Record<N, FeedRule>>>

/** Options of `SecurityFeed`. */
export interface SecurityFeedOptions {
  /** The app the entries come from. */
  source: SecurityFeedEntry['source']
  /** Which events reach the feed, and which of their fields. */
  rules: SecurityFeedRules
  /**
   * Sends one serialized feed `message` to every realtime instance (realtime: its `Broker`; the api: the channel's
   * Redis fan-out). Called without an active trace; a rejection is passed to `onError` and the entry is lost.
   */
  publish: (frame: string) => Promise<void>
  /** Entries per second this instance publishes at most, on average (default 10). */
  ratePerS?: number
  /** Entries published back to back before the rate applies (default 30). */
  burst?: number
  /** Clock, epoch ms (default `Date.now`). */
  now?: () => number
  /** A publish failed (Redis unreachable): log it quietly. Never called for the rate limit. */
  onError?: (err: unknown) => void
}

/**
 * The live security feed of one app instance: a sink of `securityEvent` that publishes allowlisted events, with
 * allowlisted fields only, as `message` pushes on `admin:security` (`securityFeedMessage`), at most `ratePerS` per
 * second (a token bucket of `burst`). Events over the rate are counted and the next entry carries that count
 * (`dropped`), so a flood shows as a few entries and a number, never as a backlog. Attach it to the app's logger
 * with `attachSecurityFeed`: the log line, span event and metrics of each event are unchanged.
 * @example attachSecurityFeed(app.log, new SecurityFeed({ source: 'api', rules: API_FEED_RULES, publish }))
 */
export class SecurityFeed {
  readonly #o: Required<Omit<SecurityFeedOptions, 'onError'>> & Pick<SecurityFeedOptions, 'onError'>
  #tokens: number
  #refilledAt: number
  #dropped = 0

  constructor(options: SecurityFeedOptions) {
    const ratePerS = options.ratePerS ?? 10
    const burst = options.burst ?? 30
    if (!(ratePerS > 0) || !(burst >= 1)) throw new RangeError('SecurityFeed: ratePerS > 0 and burst >= 1')
    this.#o = { ...options, ratePerS, burst, now: options.now ?? Date.now }
    this.#tokens = burst
    this.#refilledAt = this.#o.now()
  }

  /** Events left out by the rate limit since the last published entry. */
  get dropped(): number {
    return this.#dropped
  }

  /** Publishes the event when the allowlist has it and the rate allows; otherwise does nothing (or counts it). */
  offer(name: string, fields: SecurityEventFields): void {
    const rule = Object.hasOwn(this.#o.rules, name) ? this.#o.rules[name] : undefined
    if (!rule || (rule.when && !rule.when(fields))) return
    if (!this.#take()) {
      this.#dropped += 1
      return
    }
    const entry = this.#entry(name, rule, fields)
    this.#dropped = 0
    const frame = JSON.stringify(securityFeedMessage(entry, randomUUID()))
    // The feed is a side channel: its Redis call must not become a span of the request that was refused.
    context.with(suppressTracing(context.active()), () => {
      this.#o.publish(frame).catch((err: unknown) => this.#o.onError?.(err))
    })
  }

  #take(): boolean {
    const now = this.#o.now()
    const elapsedS = Math.max(0, now - this.#refilledAt) / 1000
    this.#tokens = Math.min(this.#o.burst, this.#tokens + elapsedS * this.#o.ratePerS)
    this.#refilledAt = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  #entry(name: string, rule: FeedRule, fields: SecurityEventFields): SecurityFeedEntry {
    const entry: Record<string, string | number> = { event: name, source: this.#o.source, at: this.#o.now() }
    for (const field of rule.fields) {
      const value = feedValue(field, fields[field])
      if (value !== undefined) entry[field] = value
    }
    if (this.#dropped > 0) entry.dropped = this.#dropped
    return entry as SecurityFeedEntry
  }
}

/** A field's value as the entry may carry it: text cut to its bound, whole numbers only; else left out. */
function feedValue(field: FeedField, value: unknown): string | number | undefined {
  const spec = FEED_FIELDS[field]
  if (spec.kind === 'text')
    return typeof value === 'string' && value !== '' ? value.slice(0, spec.max) : undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return undefined
  return spec.kind === 'count' && value < 0 ? undefined : value
}

const FEED = Symbol('portcullis.securityFeed')

/**
 * Makes `feed` the security feed of every `securityEvent` written to `log` or to any child logger of it (request
 * and socket loggers inherit it from the app's logger, pino children being prototype copies). One app, one feed:
 * two apps in one process (tests) keep theirs apart.
 * @example attachSecurityFeed(app.log, feed) // in a plugin, before the routes log anything
 */
export function attachSecurityFeed(log: object, feed: SecurityFeed): void {
  Object.defineProperty(log, FEED, { value: feed, configurable: true, enumerable: false, writable: true })
}

/** The feed attached to `log` (or to the logger it descends from), if any. */
export function feedOf(log: object): SecurityFeed | undefined {
  return (log as { [FEED]?: SecurityFeed })[FEED]
}
