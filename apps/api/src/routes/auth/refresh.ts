import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { rotateSession } from '../../auth/session-service.ts'
import { errors, RefreshBodySchema, TokenPairSchema } from '../../schemas.ts'

/**
 * POST /v1/auth/refresh — rotates the refresh token; reuse of a spent one revokes the session; past the
 * session's maximum age 401 `session_expired`; TICKET_RATE_PER_MIN per session.
 */
export default async function refreshRoute(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new token pair',
        body: RefreshBodySchema,
        response: { 200: TokenPairSchema, ...errors(400, 401, 429, 503) },
      },
      config: { noStore: true },
    },
    async (req) => await rotateSession(app, req, req.body.refreshToken),
  )
}
