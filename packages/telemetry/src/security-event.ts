import { trace, type Attributes, type Span } from '@opentelemetry/api'
import { ATTR, boundedLabel } from './attributes.ts'
import { recordEventMetrics } from './event-metrics.ts'
import { portcullisMetrics } from './metrics.ts'
import { SECRET_FIELDS } from './logger.ts'
import { feedOf } from './security-feed.ts'

/** The minimal logger `securityEvent` writes to (pino and Fastify loggers fit). */
export interface EventLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

/** Fields of a security event. Never put passwords, tokens, tickets or message bodies here. */
export interface SecurityEventFields {
  /** Stable lowercase reason, e.g. `bad_password`, `unknown_user`, `throttled`. */
  reason?: string
  ip?: string
  origin?: string | null
  userId?: string
  sessionId?: string
  connectionId?: string
  /** Taken from the active OpenTelemetry span when not given. */
  traceId?: string
  /** `warn` for refusals and attacks; default `info`. Not written as a field. */
  level?: 'info' | 'warn'
  [extra: string]: string | number | boolean | null | undefined
}

/**
 * An app's event vocabulary: a readonly tuple of stable dotted names, kept in one file per app
 * (`apps/api/src/security-events.ts`). Use `SecurityEventName<typeof LIST>` for the union.
 * @example export const API_EVENTS = ['auth.login.succeeded', 'auth.login.failed'] as const satisfies SecurityEventList
 */
export type SecurityEventList = readonly string[]
/** The union of names in a vocabulary. */
export type SecurityEventName<L extends SecurityEventList> = L[number]

// Field → span-event attribute name. Only these identifiers reach traces; any other field stays in the log line.
const SPAN_ATTRS: Record<string, string> = {
  reason: ATTR.REASON,
  ip: ATTR.CLIENT_ADDRESS,
  origin: ATTR.ORIGIN,
  userId: ATTR.USER_ID,
  sessionId: ATTR.SESSION_ID,
  connectionId: ATTR.CONNECTION_ID,
}
const SECRET = new Set<string>(SECRET_FIELDS.map((f) => f.toLowerCase()))

/**
 * Writes ONE structured log line for a security decision: `{ event, reason?, ip?, origin?, userId?, sessionId?,
 * connectionId?, traceId?, ... }` with message = event name. Undefined fields are dropped. It also adds a span
 * event of that name (identifier fields only) to `options.span` or the active span, counts
 * `portcullis.security.events{portcullis.event, portcullis.reason}` and the metrics the event implies
 * (`portcullis.auth.failures`, `portcullis.ip.blocks`: see `AUTH_FAILURE_EVENTS`). When the logger carries a
 * security feed (`attachSecurityFeed`), the feed gets the event too (allowlisted, rate-limited, identifiers only).
 * @example securityEvent(req.log, 'auth.login.failed', { reason: 'bad_password', ip: req.ip, level: 'warn' })
 */
export function securityEvent(
  log: EventLogger,
  name: string,
  fields: SecurityEventFields = {},
  options: { span?: Span } = {},
): void {
  const { level = 'info', ...rest } = fields
  const line: Record<string, unknown> = { event: name }
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) line[k] = v
  const span = options.span ?? trace.getActiveSpan()
  const ctx = span?.spanContext()
  if (line.traceId === undefined && ctx && ctx.traceId !== '00000000000000000000000000000000')
    line.traceId = ctx.traceId
  log[level](line, name)

  if (span?.isRecording()) {
    const attrs: Attributes = {}
    for (const [k, v] of Object.entries(rest)) {
      const key = SPAN_ATTRS[k]
      if (key && !SECRET.has(k.toLowerCase()) && v !== undefined && v !== null) attrs[key] = v
    }
    span.addEvent(name, attrs)
  }
  portcullisMetrics().securityEvents.add(1, {
    [ATTR.EVENT]: boundedLabel(name),
    [ATTR.REASON]: boundedLabel(typeof rest.reason === 'string' ? rest.reason : undefined),
  })
  recordEventMetrics(name, rest)
  const feed = feedOf(log)
  if (feed) {
    try {
      feed.offer(name, rest)
    } catch (err) {
      // The feed is a view for admins: nothing in it may change or stop the decision it reports.
      log.warn({ err: { message: (err as Error).message } }, 'security feed: event left out')
    }
  }
}
