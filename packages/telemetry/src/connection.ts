import {
  ROOT_CONTEXT,
  createContextKey,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api'
import { ATTR, boundedLabel, messageTypeLabel, pathOnly, type CredentialKind } from './attributes.ts'
import { portcullisMetrics, recordMessage, recordUpgrade } from './metrics.ts'
import { contextFromHeaders, contextFromTraceparent } from './propagation.ts'

/** The tracer (instrumentation scope) of Portcullis' own spans. */
export const TRACER_NAME = '@portcullis/telemetry'

function tracer() {
  return trace.getTracer(TRACER_NAME)
}

/** Wall clock with sub-millisecond precision, epoch ms (an OTel `TimeInput`). */
function now(): number {
  return performance.timeOrigin + performance.now()
}

/** What the upgrade span may know about the request. Never pass the query string's values or credentials. */
export interface UpgradeRequestInfo {
  method?: string
  /** The request URL or path; the query string is dropped. */
  url: string
  ip?: string
  origin?: string | null | undefined
  remotePort?: number | undefined
  /** Read for `traceparent`/`tracestate` only. */
  headers?: Record<string, string | string[] | undefined>
}

/** The auth decision of a refused upgrade. */
export interface UpgradeRefusal {
  /** The HTTP status sent instead of `101`. */
  status: number
  /** Stable reason, e.g. `origin_forbidden`, `token_invalid`, `ticket_spent`, `ip_blocked`. */
  reason: string
  credential?: CredentialKind
  userId?: string | undefined
  sessionId?: string | undefined
}

/** The auth decision of an accepted upgrade. */
export interface UpgradeAcceptance {
  credential: CredentialKind
  userId: string
  sessionId: string
  connectionId: string
}

/**
 * Telemetry of one WebSocket upgrade: the `ws.upgrade` span with the auth decision as attributes and the
 * `portcullis.ws.upgrades` metric. Create it when the upgrade request arrives; the span starts lazily (with the
 * arrival time) so a ticket's stored `traceparent`, known only once the ticket is redeemed, can still become its
 * parent. Exactly one of `refuse`/`accept` ends it; later calls are ignored.
 * @example
 * const up = startUpgrade({ url: req.url, ip: req.ip, origin: req.headers.origin, headers: req.headers })
 * up.continueTrace(grant.traceparent)
 * const conn = up.accept({ credential: 'ticket', userId, sessionId, connectionId })
 */
export class UpgradeTelemetry {
  readonly #startTime = now()
  readonly #attributes: Attributes
  #parent: Context
  #links: Link[] = []
  #span: Span | undefined
  #credential: CredentialKind = 'none'
  #done = false

  constructor(info: UpgradeRequestInfo) {
    this.#parent = contextFromHeaders(info.headers)
    this.#attributes = {
      [ATTR.HTTP_METHOD]: info.method ?? 'GET',
      [ATTR.URL_PATH]: pathOnly(info.url),
      [ATTR.NETWORK_PROTOCOL]: 'websocket',
      ...(info.ip ? { [ATTR.CLIENT_ADDRESS]: info.ip } : {}),
      ...(info.remotePort ? { [ATTR.NETWORK_PEER_PORT]: info.remotePort } : {}),
      ...(info.origin ? { [ATTR.ORIGIN]: info.origin } : {}),
    }
  }

  /**
   * Continues the trace of the ticket request (its stored `traceparent`). Effective only before the span has
   * started; a `traceparent` header on the upgrade itself is then kept as a link.
   */
  continueTrace(traceparent: string | null | undefined): void {
    if (this.#span) return
    const ticketCtx = contextFromTraceparent(traceparent)
    const ticketSpan = trace.getSpanContext(ticketCtx)
    if (!ticketSpan) return
    const headerSpan = trace.getSpanContext(this.#parent)
    if (headerSpan) this.#links.push({ context: headerSpan })
    this.#parent = ticketCtx
  }

  /** Records which credential the request presented (once extracted), for a refusal's attributes. */
  setCredential(kind: CredentialKind): void {
    this.#credential = kind
  }

  /** The `ws.upgrade` span (started on first use). */
  get span(): Span {
    this.#span ??= tracer().startSpan(
      'ws.upgrade',
      { kind: SpanKind.SERVER, startTime: this.#startTime, attributes: this.#attributes, links: this.#links },
      this.#parent,
    )
    return this.#span
  }

  /** Runs `fn` with the upgrade span active (security events logged inside attach to it). */
  run<T>(fn: () => T): T {
    return context.with(trace.setSpan(this.#parent, this.span), fn)
  }

  /** Ends the upgrade as refused: span attributes, error status, `portcullis.ws.upgrades{outcome=refused}`. */
  refuse(refusal: UpgradeRefusal): void {
    if (this.#done) return
    this.#done = true
    const credential = refusal.credential ?? this.#credential
    const span = this.span
    span.setAttributes({
      [ATTR.OUTCOME]: 'refused',
      [ATTR.REASON]: boundedLabel(refusal.reason),
      [ATTR.CREDENTIAL]: credential,
      [ATTR.HTTP_STATUS]: refusal.status,
      ...(refusal.userId ? { [ATTR.USER_ID]: refusal.userId } : {}),
      ...(refusal.sessionId ? { [ATTR.SESSION_ID]: refusal.sessionId } : {}),
    })
    span.setStatus({ code: SpanStatusCode.ERROR, message: boundedLabel(refusal.reason) })
    span.end()
    recordUpgrade('refused', refusal.reason, credential, refusal.status)
  }

  /**
   * Ends the upgrade as accepted (`101`) and opens the connection's telemetry: a long-lived `ws.connection` span
   * (child of the upgrade span) and `portcullis.ws.connections.active` + 1.
   */
  accept(acceptance: UpgradeAcceptance): ConnectionTelemetry {
    const span = this.span
    if (!this.#done) {
      this.#done = true
      span.setAttributes({
        [ATTR.OUTCOME]: 'accepted',
        [ATTR.REASON]: 'ok',
        [ATTR.CREDENTIAL]: acceptance.credential,
        [ATTR.HTTP_STATUS]: 101,
        [ATTR.USER_ID]: acceptance.userId,
        [ATTR.SESSION_ID]: acceptance.sessionId,
        [ATTR.CONNECTION_ID]: acceptance.connectionId,
      })
      span.end()
      recordUpgrade('accepted', 'ok', acceptance.credential, 101)
    }
    return new ConnectionTelemetry(trace.setSpan(this.#parent, span), acceptance)
  }
}

/**
 * Starts the telemetry of one upgrade request (see `UpgradeTelemetry`).
 * @example const up = startUpgrade({ url: req.url, ip: req.ip, origin: req.headers.origin, headers: req.headers })
 */
export function startUpgrade(info: UpgradeRequestInfo): UpgradeTelemetry {
  return new UpgradeTelemetry(info)
}

/** How a connection ended. */
export interface ConnectionClose {
  code: number
  /** The close reason string (`session_revoked`, `idle_timeout`, …; never free text). */
  reason?: string
}

/** Outcome of one client message. */
export type MessageOutcome = 'ok' | 'invalid' | 'forbidden' | 'rate_limited' | 'error'

/**
 * Telemetry of one live socket: the `ws.connection` span from `101` to close, and the message spans linked to it.
 * Message spans are roots of their own traces (a socket can live for hours) with a link to this span.
 */
export class ConnectionTelemetry {
  /** The `ws.connection` span. */
  readonly span: Span
  #open = true

  constructor(parent: Context, acceptance: UpgradeAcceptance) {
    this.span = tracer().startSpan(
      'ws.connection',
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR.NETWORK_PROTOCOL]: 'websocket',
          [ATTR.CREDENTIAL]: acceptance.credential,
          [ATTR.USER_ID]: acceptance.userId,
          [ATTR.SESSION_ID]: acceptance.sessionId,
          [ATTR.CONNECTION_ID]: acceptance.connectionId,
        },
      },
      parent,
    )
    portcullisMetrics().activeConnections.add(1)
  }

  /**
   * Runs `fn` with the connection span active (server pushes, revocation handling, security events). The context is
   * built per call, not held: one context per socket was ≈ 0.2 KB of heap at 10 000 idle sockets.
   */
  run<T>(fn: () => T): T {
    return context.with(trace.setSpan(context.active(), this.span), fn)
  }

  /**
   * Starts the span of one client frame (`ws.message`, linked to the connection span). End it with `end()`.
   * @param bytes frame size in bytes (the size only, never the body)
   */
  message(bytes?: number): MessageTelemetry {
    return new MessageTelemetry(this.span, bytes)
  }

  /** Ends the connection span with the close code/reason and decrements the active connections. */
  close(close: ConnectionClose): void {
    if (!this.#open) return
    this.#open = false
    const reason = boundedLabel(close.reason, 'none')
    this.span.setAttributes({ [ATTR.CLOSE_CODE]: close.code, [ATTR.CLOSE_REASON]: reason })
    this.span.end()
    portcullisMetrics().activeConnections.add(-1)
  }
}

const MESSAGE_KEY = createContextKey('@portcullis/telemetry.message')

// Share of client frames that get a recorded `ws.message` span. Every frame is still counted in the metrics.
// 1 until `startTelemetry` sets the deployment's ratio (in-memory test harnesses record every message).
let messageSpanRatio = 1

/**
 * Sets the share (0–1) of client messages that get a recorded `ws.message` span. A span per frame is the most
 * expensive signal a socket server can emit (it doubled server CPU per message in `pnpm bench`), so
 * `startTelemetry` defaults it to 0.01 (`PORTCULLIS_MESSAGE_SPAN_RATIO` overrides). `portcullis.ws.messages` counts
 * every message; `portcullis.ws.message.duration` records the sampled ones (a histogram record per frame costs
 * more than the rest of an unsampled message).
 * @example setMessageSpanRatio(1) // record every message (debugging)
 */
export function setMessageSpanRatio(ratio: number): void {
  if (!(ratio >= 0 && ratio <= 1))
    throw new RangeError(`message span ratio must be from 0 to 1 (got ${ratio})`)
  messageSpanRatio = ratio
}

// The span of a frame that is not sampled: valid but unsampled, so nothing under it is recorded either
// (a parent-based sampler follows the flag), and no ids are generated per frame.
const UNSAMPLED_MESSAGE = trace.wrapSpanContext({
  traceId: '00000000000000000000000000000001',
  spanId: '0000000000000001',
  traceFlags: TraceFlags.NONE,
})
// Built once: an unsampled frame runs in this shared context, so it allocates no context of its own.
const UNSAMPLED_CONTEXT = trace.setSpan(ROOT_CONTEXT, UNSAMPLED_MESSAGE)

/** The message whose synchronous handling is running (set by `run()`; an unsampled message has no context of its own). */
let current: MessageTelemetry | undefined

/** Runs `fn` in `ctx` with `message` as the current message of its synchronous part. */
function runAs<T>(message: MessageTelemetry, ctx: Context, fn: () => T): T {
  const outer = current
  current = message
  try {
    return context.with(ctx, fn)
  } finally {
    current = outer
  }
}

/**
 * The message being handled, or undefined — lets code deep in the dispatch (an authorization check) `mark()` the
 * outcome without carrying the object around. A sampled message is found through awaits too (its context); an
 * unsampled one during the synchronous part of its handling, where every outcome of `apps/realtime` is decided.
 */
export function activeMessage(): MessageTelemetry | undefined {
  return current ?? (context.active().getValue(MESSAGE_KEY) as MessageTelemetry | undefined)
}

/**
 * Telemetry of one client message: a `ws.message <type>` span, `portcullis.ws.messages` and its duration. An
 * unsampled message (most of them, see `setMessageSpanRatio`) creates no span, context or attribute object: it
 * only counts.
 */
export class MessageTelemetry {
  /** The `ws.message` span (a shared non-recording span when the message is not sampled). */
  readonly span: Span
  readonly #sampled: boolean
  readonly #start: number
  #type = 'unknown'
  #outcome: MessageOutcome = 'ok'
  #reason: string | undefined
  #done = false

  constructor(connection: Span, bytes?: number) {
    this.#sampled = messageSpanRatio >= 1 || (messageSpanRatio > 0 && Math.random() < messageSpanRatio)
    this.#start = this.#sampled ? performance.now() : 0
    this.span = !this.#sampled
      ? UNSAMPLED_MESSAGE
      : tracer().startSpan(
          'ws.message',
          {
            kind: SpanKind.SERVER,
            root: true,
            links: [{ context: connection.spanContext() }],
            attributes: bytes === undefined ? {} : { [ATTR.MESSAGE_BYTES]: bytes },
          },
          ROOT_CONTEXT,
        )
  }

  /** Sets the message type once parsed (types the protocol does not define become `unknown`). */
  setType(type: string | undefined): void {
    this.#type = messageTypeLabel(type)
    if (!this.#sampled) return
    this.span.updateName(`ws.message ${this.#type}`)
    this.span.setAttribute(ATTR.MESSAGE_TYPE, this.#type)
  }

  /** Runs `fn` with the message span active (and this message as `activeMessage()`). */
  run<T>(fn: () => T): T {
    const ctx = this.#sampled
      ? trace.setSpan(ROOT_CONTEXT, this.span).setValue(MESSAGE_KEY, this)
      : UNSAMPLED_CONTEXT
    return runAs(this, ctx, fn)
  }

  /** Sets the outcome `end()` will record when called without one (the last mark wins). */
  mark(outcome: MessageOutcome, reason?: string): void {
    this.#outcome = outcome
    this.#reason = reason
  }

  /**
   * Ends the span and counts the message by type and outcome (default: the last `mark()`, else `ok`); `invalid`/`forbidden` also count as invalid
   * messages (by reason), `rate_limited` as rate-limited.
   * @param reason stable code, e.g. the `error` frame's code (`invalid_message`, `forbidden`)
   */
  end(outcome: MessageOutcome = this.#outcome, reason: string | undefined = this.#reason): void {
    if (this.#done) return
    this.#done = true
    // Durations of the sampled messages only: a histogram record hashes its attributes on every call.
    const attrs = recordMessage(
      this.#type,
      outcome,
      this.#sampled ? performance.now() - this.#start : undefined,
    )
    if (this.#sampled) {
      // A frame that never parsed keeps the type `unknown`, so every message span and data point has one.
      this.span.updateName(`ws.message ${this.#type}`)
      this.span.setAttributes(attrs)
      if (reason) this.span.setAttribute(ATTR.REASON, boundedLabel(reason))
      if (outcome !== 'ok') this.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome })
      this.span.end()
    }
    if (outcome === 'invalid' || outcome === 'forbidden')
      portcullisMetrics().invalidMessages.add(1, { [ATTR.REASON]: boundedLabel(reason ?? outcome) })
    if (outcome === 'rate_limited') portcullisMetrics().rateLimited.add(1)
  }
}
