import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { accountExists } from '../../auth/session-service.ts'
import { NotFound } from '../../errors.ts'
import { apiEvent } from '../../security-events.ts'
import {
  errors,
  SessionListQuerySchema,
  SessionListSchema,
  SessionParamsSchema,
  UserParamsSchema,
} from '../../schemas.ts'

/**
 * GET /v1/admin/sessions (one page of live sessions, newest first; `userId` filters, an unknown user has none),
 * DELETE /v1/admin/sessions/:sessionId (idempotent: 204 whether or not it was still live) and
 * DELETE /v1/admin/users/:userId/sessions (404 for an unknown user).
 */
export default async function adminSessionRoutes(app: FastifyInstance): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>()
  const common = { tags: ['admin'], security: [{ bearer: [] }] }

  typed.get(
    '/v1/admin/sessions',
    {
      schema: {
        ...common,
        summary: 'List live sessions',
        querystring: SessionListQuerySchema,
        response: { 200: SessionListSchema, ...errors(400, 401, 403, 503) },
      },
      preValidation: [app.authenticate, app.requireAdmin],
    },
    async (req) => {
      const { userId, cursor, limit } = req.query
      const page = await app.store.listSessions({
        ...(userId === undefined ? {} : { userId }),
        ...(cursor === undefined ? {} : { cursor }),
        ...(limit === undefined ? {} : { limit }),
      })
      return {
        sessions: page.sessions.map((s) => ({
          sessionId: s.sid,
          user: { id: s.userId, username: s.username, roles: s.roles },
          createdAt: s.createdAt,
          refreshedAt: s.refreshedAt,
          connections: s.connections,
        })),
        nextCursor: page.nextCursor,
      }
    },
  )

  typed.delete(
    '/v1/admin/sessions/:sessionId',
    {
      schema: {
        ...common,
        summary: 'Revoke one session',
        params: SessionParamsSchema,
        response: { 204: { type: 'null' }, ...errors(400, 401, 403, 503) },
      },
      preValidation: [app.authenticate, app.requireAdmin],
    },
    async (req, reply) => {
      const { sessionId } = req.params
      const revoked = await app.store.revokeSession(sessionId, 'admin')
      if (revoked)
        apiEvent(req.log, 'session.revoked', {
          reason: 'admin',
          ip: req.ip,
          sessionId,
          actor: req.auth!.claims.sub,
        })
      return reply.code(204).send(null)
    },
  )

  typed.delete(
    '/v1/admin/users/:userId/sessions',
    {
      schema: {
        ...common,
        summary: 'Revoke every session of a user',
        params: UserParamsSchema,
        response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404, 503) },
      },
      preValidation: [app.authenticate, app.requireAdmin],
    },
    async (req, reply) => {
      const { userId } = req.params
      if (!(await accountExists(app, userId))) throw new NotFound('user')
      const sids = await app.store.revokeUserSessions(userId, 'admin')
      for (const sessionId of sids)
        apiEvent(req.log, 'session.revoked', {
          reason: 'admin',
          ip: req.ip,
          userId,
          sessionId,
          actor: req.auth!.claims.sub,
        })
      return reply.code(204).send(null)
    },
  )
}
