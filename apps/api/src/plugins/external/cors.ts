import cors from '@fastify/cors'
import type { OriginPolicy } from '@portcullis/config'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * CORS for the origins the Origin policy allows (ALLOWED_ORIGINS: exact, compared lower-cased; `*` in development
 * only), without credentials: tokens travel in bodies and the Authorization header, never cookies. Other origins
 * get no CORS headers, so browsers block the response.
 */
async function corsPlugin(app: FastifyInstance, opts: { origins: OriginPolicy }): Promise<void> {
  const { origins } = opts
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && origins.allows(origin)),
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'traceparent', 'tracestate'],
    credentials: false,
    maxAge: 600,
  })
}

export default fp(corsPlugin, { name: 'cors' })
