import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { errors, UserListQuerySchema, UserListSchema } from '../../schemas.ts'

/** Users per page unless `limit` says otherwise (like the sessions listing). */
const DEFAULT_USERS_PER_PAGE = 50

/**
 * GET /v1/admin/users — the accounts of the user directory in id order, each with its current roles from the
 * session store (the directory's initial roles until the user first logs in), one page at a time. With the
 * sessions list it is all the admin console needs: nobody types an id.
 */
export default async function adminUserRoutes(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/v1/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'List users',
        security: [{ bearer: [] }],
        querystring: UserListQuerySchema,
        response: { 200: UserListSchema, ...errors(400, 401, 403, 503) },
      },
      preValidation: [app.authenticate, app.requireAdmin],
    },
    async (req) => {
      const limit = req.query.limit ?? DEFAULT_USERS_PER_PAGE
      // One more than the page: whether a next page exists, without a count.
      const found = app.users.list({ after: req.query.cursor, limit: limit + 1 })
      const page = found.slice(0, limit)
      const roles = await Promise.all(page.map((u) => app.store.getRoles(u.id)))
      return {
        users: page.map((u, i) => ({ id: u.id, username: u.username, roles: roles[i] ?? u.initialRoles })),
        nextCursor: found.length > limit ? (page.at(-1)?.id ?? null) : null,
      }
    },
  )
}
