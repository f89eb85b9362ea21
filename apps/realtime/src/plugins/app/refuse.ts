import type { FastifyError, FastifyRequest } from 'fastify'
import { rtEvent } from '../../security-events.ts'

/**
 * Records a refused upgrade (`ws.upgrade.refused` with the internal reason) and returns the error to throw.
 * The client gets only the error's public code; the reason stays in the log.
 */
export function refuse(request: FastifyRequest, err: FastifyError, reason: string): FastifyError {
  rtEvent(request.log, 'ws.upgrade.refused', {
    reason,
    status: err.statusCode ?? 500,
    ip: request.ip,
    origin: request.headers.origin ?? null,
    userId: request.principal?.userId,
    sessionId: request.principal?.sid,
    level: 'warn',
  })
  return err
}
