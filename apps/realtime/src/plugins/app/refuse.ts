import type { FastifyError, FastifyRequest } from 'fastify'
import { rtEvent } from '../../security-events.ts'
import { upgradeOf } from './upgrade-telemetry.ts'

/**
 * Records a refused upgrade (`ws.upgrade.refused` with the internal reason) and returns the error to throw.
 * The client gets only the error's public code; the reason stays in the log.
 */
export function refuse(request: FastifyRequest, err: FastifyError, reason: string): FastifyError {
  const status = err.statusCode ?? 500
  const upgrade = upgradeOf(request)
  // Inside the `ws.upgrade` span: the event becomes its span event, the log line carries its trace id.
  upgrade.run(() =>
    rtEvent(request.log, 'ws.upgrade.refused', {
      reason,
      status,
      ip: request.ip,
      origin: request.headers.origin ?? null,
      userId: request.principal?.userId,
      sessionId: request.principal?.sid,
      level: 'warn',
    }),
  )
  upgrade.refuse({ status, reason, userId: request.principal?.userId, sessionId: request.principal?.sid })
  request.refusalRecorded = true
  return err
}
