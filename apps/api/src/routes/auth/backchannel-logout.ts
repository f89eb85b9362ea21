import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { backchannelLogout } from '../../auth/backchannel-logout.ts'
import { errors, LogoutTokenBodySchema } from '../../schemas.ts'

/** Form bodies are small here: one logout token (≤ 12 KiB) and its name. */
const FORM_LIMIT_BYTES = 16 * 1024

/**
 * POST /v1/auth/oidc/backchannel-logout — the identity provider ends a session (OpenID Connect Back-Channel Logout
 * 1.0): `application/x-www-form-urlencoded` with `logout_token`. 200 (empty) once the matching sessions are
 * revoked; 400 for a token that is not accepted. `Cache-Control: no-store` as §2.8 asks.
 */
export default async function backchannelLogoutRoute(app: FastifyInstance): Promise<void> {
  // Only this route takes form bodies (this plugin is encapsulated, so no other route sees the parser).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  )
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/auth/oidc/backchannel-logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Back-channel logout from the identity provider',
        consumes: ['application/x-www-form-urlencoded'],
        body: LogoutTokenBodySchema,
        response: { 200: { type: 'null' }, ...errors(400, 404, 503) },
      },
      config: { noStore: true },
    },
    async (req, reply) => {
      await backchannelLogout(app, req, req.body.logout_token)
      return reply.code(200).send(null)
    },
  )
}
