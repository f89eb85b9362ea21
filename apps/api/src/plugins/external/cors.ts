import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * CORS for the exact origins in ALLOWED_ORIGINS (no wildcards, no credentials: tokens travel in bodies and
 * the Authorization header, never cookies). Other origins get no CORS headers, so browsers block the response.
 */
async function corsPlugin(app: FastifyInstance, opts: { origins: readonly string[] }): Promise<void> {
  const allowed = new Set(opts.origins.filter((o) => o !== '*'))
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'traceparent', 'tracestate'],
    credentials: false,
    maxAge: 600,
  })
}

export default fp(corsPlugin, { name: 'cors' })
