import { normalizeOrigin } from '@portcullis/config'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { traceparentFor } from '@portcullis/telemetry'
import { OriginNotAllowed } from '../errors.ts'
import { apiEvent } from '../security-events.ts'
import { newTicket } from '../tokens/secrets.ts'
import type { AuthContext } from '../plugins/app/auth.ts'

/**
 * Mints a WebSocket ticket bound to the session, the request's Origin (when sent, and only an allowed one; stored
 * lower-cased, as the Origin policy compares it), the `exp` and `kid` of the access token used (the socket's
 * lifetime, and the key whose removal closes it) and the request's `traceparent`.
 * TTL: TICKET_TTL_S, never beyond the access token's expiry. At most TICKET_RATE_PER_MIN per session per
 * minute (429 + Retry-After beyond).
 */
export async function mintTicket(
  app: FastifyInstance,
  req: FastifyRequest,
  auth: AuthContext,
): Promise<{ ticket: string; expiresIn: number }> {
  const origin = req.headers.origin ?? null
  if (origin !== null && !app.origins.allows(origin)) {
    apiEvent(req.log, 'auth.ticket.refused', {
      reason: 'origin_not_allowed',
      ip: req.ip,
      origin,
      userId: auth.claims.sub,
      level: 'warn',
    })
    throw new OriginNotAllowed()
  }
  await app.sessionQuota.take(req, 'ticket', auth.claims.sid)
  const accessExp = auth.claims.exp * 1000
  const ttlS = Math.max(1, Math.min(app.config.TICKET_TTL_S, Math.floor((accessExp - app.now()) / 1000)))
  const traceparent = req.headers.traceparent
  const ticket = newTicket()
  await app.store.saveTicket(
    ticket,
    {
      sid: auth.claims.sid,
      userId: auth.claims.sub,
      origin: origin === null ? null : normalizeOrigin(origin),
      accessExp,
      // The ticket request's own span when tracing is on (the upgrade becomes its child), else the caller's
      // well-formed `traceparent`; anything else is dropped, never stored.
      traceparent: traceparentFor(traceparent) ?? null,
      kid: auth.kid,
    },
    ttlS,
  )
  apiEvent(req.log, 'auth.ticket.issued', {
    ip: req.ip,
    origin,
    userId: auth.claims.sub,
    sessionId: auth.claims.sid,
  })
  return { ticket, expiresIn: ttlS }
}
