import { isSpanContextValid, trace } from '@opentelemetry/api'
import type { LoggerOptions } from 'pino'

/** Fields whose values are secrets wherever they appear in a log object (top level or one level down). */
export const SECRET_FIELDS = [
  'password',
  'token',
  'ticket',
  'refreshToken',
  'accessToken',
  'access_token',
  'authorization',
  'cookie',
] as const

/** Request/response headers that carry credentials. */
const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'sec-websocket-protocol',
  'set-cookie',
  'proxy-authorization',
]

/**
 * Pino `redact` paths for the secret headers and the top-level secret fields: explicit paths only. A wildcard
 * (`*.password`) made pino redact-copy every value of every line — 5× the cost of a line (22 µs against 4 µs,
 * docs/decisions/0972-logging-cost-of-the-upgrade.md); secret fields one level down are censored by
 * `censorNestedSecrets` instead.
 */
export const REDACT_PATHS: string[] = [
  ...SECRET_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `res.headers["${h}"]`, `headers["${h}"]`]),
  ...SECRET_FIELDS,
]

const CENSOR = '[redacted]'
const SECRET_KEYS: ReadonlySet<string> = new Set(SECRET_FIELDS)

/** A copy with the same prototype and every own property (an `Error` keeps its message and stack). */
function copyOf(value: object): Record<string, unknown> {
  return Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value))
}

/**
 * Pino `formatters.log`: a secret field one level down (`{ body: { password } }`) is replaced by `[redacted]` in a
 * copy (the caller's object is never changed). Together with `REDACT_PATHS` this is what `f` + `*.f` redact paths
 * did, at the cost of a key scan.
 * @example censorNestedSecrets({ body: { password: 'x' } }) // { body: { password: '[redacted]' } }
 */
export function censorNestedSecrets(obj: Record<string, unknown>): Record<string, unknown> {
  let out = obj
  for (const key of Object.keys(obj)) {
    const value = obj[key]
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue
    let inner: Record<string, unknown> | undefined
    for (const k of Object.keys(value)) if (SECRET_KEYS.has(k)) (inner ??= copyOf(value))[k] = CENSOR
    if (!inner) continue
    if (out === obj) out = { ...obj }
    out[key] = inner
  }
  return out
}

/**
 * A URL path without its query string, plus the query keys (never values): `/v1/ws?ticket=abc` →
 * `/v1/ws?[ticket]`. Tickets and tokens travel in query strings, so values are never logged.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const keys = [...new URLSearchParams(url.slice(q + 1)).keys()]
  return keys.length ? `${url.slice(0, q)}?[${keys.join(',')}]` : url.slice(0, q)
}

/** The part of a Fastify request the serializer reads (kept structural: no fastify dependency here). */
export interface SerializableRequest {
  method: string
  url: string
  ip?: string
  host?: string
  hostname?: string
  id?: string
  socket?: { remotePort?: number | undefined } | null
}

/** Request serializer: method, path without query values, host, client ip. Never headers or bodies. */
export function serializeRequest(req: SerializableRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }
}

/**
 * Pino mixin: `trace_id`/`span_id` of the active span on every line (nothing when telemetry is off or no span
 * is active), so a log line finds its trace.
 */
export function traceMixin(): Record<string, string> {
  const ctx = trace.getActiveSpan()?.spanContext()
  if (!ctx || !isSpanContextValid(ctx)) return {}
  return { trace_id: ctx.traceId, span_id: ctx.spanId }
}

/**
 * Logger options for Fastify (`Fastify({ logger: loggerOptions({ level }) })`) or pino: JSON lines, credentials
 * redacted (`[redacted]`), requests logged without query values, `trace_id`/`span_id` of the active span.
 * @example const app = Fastify({ logger: loggerOptions({ level: config.LOG_LEVEL }) })
 */
export function loggerOptions(options: { level: string; name?: string }): LoggerOptions {
  return {
    level: options.level,
    ...(options.name ? { name: options.name } : {}),
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: { log: censorNestedSecrets },
    mixin: traceMixin,
    serializers: {
      req: (req: SerializableRequest) => serializeRequest(req),
    },
  }
}
