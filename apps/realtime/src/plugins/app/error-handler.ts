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
    // A refusal raised outside our hooks (e.g. the rate-limit store failing) still gets its security event.
    if (request.ws && !request.refusalRecorded) refuse(request, err, known ?? 'internal_error')
    if (status >= 500) request.log.error({ err }, 'request failed')
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
