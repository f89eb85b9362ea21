import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { login } from '../../auth/login.ts'
import { errors, LoginBodySchema, TokenPairSchema } from '../../schemas.ts'

/** POST /v1/auth/login — rate limited per IP (LOGIN_RATE_PER_MIN) and per username (see `LoginThrottle`). */
export default async function loginRoute(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with username and password',
        body: LoginBodySchema,
        response: { 200: TokenPairSchema, ...errors(400, 401, 429, 503) },
      },
      config: { rateLimit: { max: app.config.LOGIN_RATE_PER_MIN, timeWindow: 60_000 }, noStore: true },
    },
    async (req) => await login(app, req, req.body.username, req.body.password),
  )
}
