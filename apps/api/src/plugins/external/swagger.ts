import swagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * The OpenAPI document generated from the route schemas, served at `/docs/json` when OPENAPI_DOCS is on
 * (default outside production). Registered before the routes so it sees them all.
 */
async function swaggerPlugin(app: FastifyInstance, opts: { expose: boolean }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Portcullis api',
        version: '1.0.0',
        description: 'Token service: login, refresh, tickets, admin.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  })
  if (opts.expose) app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger())
}

export default fp(swaggerPlugin, { name: 'swagger' })
