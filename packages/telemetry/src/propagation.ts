import { ROOT_CONTEXT, isSpanContextValid, propagation, trace, type Context } from '@opentelemetry/api'

const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/

/** True for a well-formed W3C `traceparent` (version 00, non-zero ids). */
export function isTraceparent(value: unknown): value is string {
  return typeof value === 'string' && TRACEPARENT.test(value)
}

/**
 * The `traceparent` to store with a ws-ticket so the upgrade that redeems it continues the trace
 * (docs/reference/protocol.md): the active span when telemetry is on (the ticket request's server span), else the
 * request's own well-formed `traceparent` header, else undefined.
 * @example grant.traceparent = traceparentFor(req.headers.traceparent)
 */
export function traceparentFor(header?: string | string[] | undefined): string | undefined {
  const ctx = trace.getActiveSpan()?.spanContext()
  if (ctx && isSpanContextValid(ctx)) {
    const flags = (ctx.traceFlags & 0xff).toString(16).padStart(2, '0')
    return `00-${ctx.traceId}-${ctx.spanId}-${flags}`
  }
  const value = Array.isArray(header) ? header[0] : header
  return isTraceparent(value) ? value : undefined
}

/**
 * A context whose remote parent is `traceparent` (ROOT when it is malformed or telemetry is off).
 * Only the `traceparent` is read: a stored ticket grant never carries `tracestate` or baggage.
 */
export function contextFromTraceparent(traceparent: string | null | undefined): Context {
  if (!isTraceparent(traceparent)) return ROOT_CONTEXT
  return propagation.extract(ROOT_CONTEXT, { traceparent })
}

/** A context from request headers (`traceparent`/`tracestate`), ROOT when absent or telemetry is off. */
export function contextFromHeaders(
  headers: Record<string, string | string[] | undefined> | undefined,
): Context {
  if (
    !headers ||
    !isTraceparent(Array.isArray(headers.traceparent) ? headers.traceparent[0] : headers.traceparent)
  )
    return ROOT_CONTEXT
  return propagation.extract(ROOT_CONTEXT, headers)
}
