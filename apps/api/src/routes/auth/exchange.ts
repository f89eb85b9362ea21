import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { exchange } from '../../auth/exchange.ts'
import { errors, ExchangeBodySchema, TokenPairSchema } from '../../schemas.ts'

/**
 * POST /v1/auth/exchange — an identity-provider token for a Portcullis session (RFC 8693-style); rate limited per
 * IP like login (LOGIN_RATE_PER_MIN).
 */
export default async function exchangeRoute(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/auth/exchange',
    {
      schema: {
        tags: ['auth'],
        summary: "Exchange the identity provider's ID token (or JWT access token) for a session",
        body: ExchangeBodySchema,
        response: { 200: TokenPairSchema, ...errors(400, 401, 404, 429, 503) },
      },
      config: { rateLimit: { max: app.config.LOGIN_RATE_PER_MIN, timeWindow: 60_000 }, noStore: true },
    },
    async (req) => await exchange(app, req, req.body),
  )
}
