import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { accountExists } from '../../auth/session-service.ts'
import { NotFound } from '../../errors.ts'
import { apiEvent } from '../../security-events.ts'
import { errors, RolesBodySchema, RolesResultSchema, UserParamsSchema } from '../../schemas.ts'

/** PUT /v1/admin/users/:userId/roles — replaces a user's roles; live sockets see them at once (event). */
export default async function rolesRoute(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<TypeBoxTypeProvider>().put(
    '/v1/admin/users/:userId/roles',
    {
      schema: {
        tags: ['admin'],
        summary: "Set a user's roles",
        security: [{ bearer: [] }],
        params: UserParamsSchema,
        body: RolesBodySchema,
        response: { 200: RolesResultSchema, ...errors(400, 401, 403, 404, 503) },
      },
      preValidation: [app.authenticate, app.requireAdmin],
    },
    async (req) => {
      const { userId } = req.params
      if (!(await accountExists(app, userId))) throw new NotFound('user')
      await app.store.setRoles(userId, req.body.roles)
      apiEvent(req.log, 'user.roles_changed', {
        reason: 'admin',
        ip: req.ip,
        userId,
        actor: req.auth!.claims.sub,
        roles: req.body.roles.join(','),
      })
      return { userId, roles: req.body.roles }
    },
  )
}
