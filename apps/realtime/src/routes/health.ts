import type { FastifyInstance } from 'fastify'
import type { SessionStore } from '@portcullis/sessions'

/**
 * `GET /healthz` (the process is up) and `GET /readyz` (it can admit sockets: not draining, the api's keys loaded
 * and not stale past JWKS_MAX_STALE_S, the session store reachable). 503 takes the instance out of the load
 * balancer, so a cold start is never routed a bearer token it would have to refuse.
 */
export default async function healthRoutes(
  fastify: FastifyInstance,
  options: { store: SessionStore; draining: () => boolean; keysReady: () => boolean },
): Promise<void> {
  fastify.get('/healthz', async () => ({ status: 'ok' }))
  fastify.get('/readyz', async (_request, reply) => {
    if (options.draining()) return reply.code(503).send({ status: 'draining' })
    if (!options.keysReady())
      return reply.code(503).header('retry-after', 2).send({ status: 'keys_unavailable' })
    try {
      await options.store.ping()
      return { status: 'ready' }
    } catch {
      return reply.code(503).header('retry-after', 2).send({ status: 'unavailable' })
    }
  })
}
