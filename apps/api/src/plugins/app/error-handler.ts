import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { wireCodeForStatus, WIRE_CODES } from '../../errors.ts'
import { apiEvent } from '../../security-events.ts'

/** Seconds a client should wait after a 503 from an unreachable store. */
export const STORE_RETRY_AFTER_S = 2

/**
 * One JSON error shape for every failure: `{ error: <stable code>, message }`. 5xx messages are replaced by a
 * generic one unless the error is an expected one (a code in `WIRE_CODES`), stack traces never leave the process,
 * 404s for unknown routes use the same shape. `retryAfterS` on an error becomes `Retry-After`.
 */
async function errorHandlerPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    const expected = err.code !== undefined && err.code in WIRE_CODES
    const code = (err.code && WIRE_CODES[err.code]) ?? wireCodeForStatus(status)
    const retryAfterS = (err as { retryAfterS?: unknown }).retryAfterS
    if (code === 'store_unavailable') {
      apiEvent(req.log, 'store.unavailable', { reason: 'unreachable', ip: req.ip, level: 'warn' })
      req.log.warn({ err: err.cause ?? err }, 'session store unavailable')
      void reply.header('retry-after', String(STORE_RETRY_AFTER_S))
    } else if (status >= 500 && !expected) {
      req.log.error({ err }, 'request failed')
    } else {
      req.log.info({ err: { code: err.code, message: err.message } }, 'request refused')
    }
    if (code !== 'store_unavailable' && typeof retryAfterS === 'number')
      void reply.header('retry-after', String(retryAfterS))
    let message = err.message
    if (status >= 500 && !expected) message = 'internal error'
    if (code === 'store_unavailable') message = 'session store unavailable, retry shortly'
    if (code === 'invalid_request' && err.validation) message = `invalid request: ${err.message}`
    return reply.code(status).type('application/json').send({ error: code, message })
  })

  app.setNotFoundHandler(async (req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `${req.method} ${req.url.split('?')[0]} not found` }),
  )
}

export default fp(errorHandlerPlugin, { name: 'error-handler' })
