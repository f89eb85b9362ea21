import { FastifyOtelInstrumentation } from '@fastify/otel'
import type { Instrumentation } from '@opentelemetry/instrumentation'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis'
import { ATTR, pathOnly, scrubQuery } from './attributes.ts'

/** Routes without request spans: probes (noise) and the WebSocket endpoint (it has its own `ws.upgrade` span). */
export const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/v1/ws'])

/** Query keys that carry credentials (the instrumentation's own redaction list; all values are scrubbed anyway). */
const SECRET_QUERY_KEYS = ['ticket', 'access_token', 'token', 'refresh_token', 'code', 'password']

/**
 * The instrumentations both apps load: HTTP server/client spans (`url.query` values scrubbed), Redis command
 * spans (command name only, never arguments: keys and values can hold tickets or session data) and
 * `@fastify/otel` request/route spans (auto-registered on every Fastify instance; `url.path` without query).
 * Create them before fastify/redis are first loaded (`node --import`).
 */
export function portcullisInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      redactedQueryParams: SECRET_QUERY_KEYS,
      redactedQueryParamsServer: SECRET_QUERY_KEYS,
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has(pathOnly(req.url ?? '')),
      startIncomingSpanHook: (req) => {
        const q = (req.url ?? '').indexOf('?')
        return q === -1 ? {} : { [ATTR.URL_QUERY]: scrubQuery((req.url ?? '').slice(q + 1)) }
      },
    }),
    new RedisInstrumentation({
      requireParentSpan: true,
      dbStatementSerializer: (command) => command,
    }),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      ignorePaths: (route) => UNTRACED_PATHS.has(pathOnly(route.url)),
      // @fastify/otel records `url.path` as request.url, query string included: keep the path only.
      requestHook: (span, request) => {
        span.setAttribute(ATTR.URL_PATH, pathOnly(request.url))
      },
    }),
  ]
}
