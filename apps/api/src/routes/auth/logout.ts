import type { FastifyInstance } from 'fastify'
import { apiEvent } from '../../security-events.ts'
import { errors } from '../../schemas.ts'

/** POST /v1/auth/logout — revokes the caller's session; realtime closes its sockets on the event. */
export default async function logoutRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke the current session',
        security: [{ bearer: [] }],
        response: { 204: { type: 'null' }, ...errors(401, 503) },
      },
      preValidation: [app.authenticate],
    },
    async (req, reply) => {
      const { sub, sid } = req.auth!.claims
      await app.store.revokeSession(sid, 'logout')
      apiEvent(req.log, 'auth.logout', { ip: req.ip, userId: sub, sessionId: sid })
      apiEvent(req.log, 'session.revoked', { reason: 'logout', ip: req.ip, userId: sub, sessionId: sid })
      return reply.code(204).send(null)
    },
  )
}
