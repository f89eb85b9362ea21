import type { FastifyInstance } from 'fastify'
import type { SessionStore } from '@portcullis/sessions'

/** `GET /healthz` (the process is up) and `GET /readyz` (and can reach the session store). */
export default async function healthRoutes(
  fastify: FastifyInstance,
  options: { store: SessionStore; draining: () => boolean },
): Promise<void> {
  fastify.get('/healthz', async () => ({ status: 'ok' }))
  fastify.get('/readyz', async (_request, reply) => {
    if (options.draining()) return reply.code(503).send({ status: 'draining' })
    try {
      await options.store.ping()
      return { status: 'ready' }
    } catch {
      return reply.code(503).header('retry-after', 2).send({ status: 'unavailable' })
    }
  })
}
