import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance } from 'fastify'
import { PUBLIC_CODES, RETRY_AFTER_UNAVAILABLE_S } from '../../errors.ts'
import { refuse } from './refuse.ts'

/**
 * JSON errors `{ error, message }` with stable public codes. 5xx details stay in the log; 503 carries
 * `Retry-After`. Nothing from the request (tokens, tickets) is ever echoed.
 */
async function errorHandlerPlugin(fastify: FastifyInstance): Promise<void> {
  fastify.setErrorHandler(function handleError(err: FastifyError, request, reply) {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500
    const known = err.code ? PUBLIC_CODES[err.code] : undefined
    // A refusal raised outside `refuse()` (an unreachable store anywhere in the upgrade's hooks: the one place it
    // becomes a 503) still gets its security event.
    if (request.ws && !request.refusalRecorded)
      refuse(
        request,
        err,
        err.code === 'STORE_ERR_UNAVAILABLE' ? 'store_unavailable' : (known ?? 'internal_error'),
      )
    // An expected 503 (store or keys unreachable, instance full, shutting down) is an operational condition, logged
    // as its security event above and here at warn; only an unexpected 5xx is an error (a bug).
    if (status >= 500 && !known) request.log.error({ err }, 'request failed')
    else if (status >= 500) request.log.warn({ err }, 'request refused: service unavailable')
    else if (!known) request.log.info({ err }, 'request refused')
    if (status === 503) void reply.header('retry-after', RETRY_AFTER_UNAVAILABLE_S)
    const error = known ?? (status >= 500 ? 'internal_error' : status === 404 ? 'not_found' : 'bad_request')
    const message = known || status < 500 ? err.message : 'internal error'
    return reply
      .code(status)
      .type('application/json')
      .send({ error, message: known ? message : error })
  })
  fastify.setNotFoundHandler(function notFound(_request, reply) {
    return reply.code(404).send({ error: 'not_found', message: 'not found' })
  })
}

export default fp(errorHandlerPlugin, { name: 'rt-error-handler' })
