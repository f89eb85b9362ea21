import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'

const Status = Type.Object({ status: Type.String() })

/** Liveness (`/healthz`, no dependencies) and readiness (`/readyz`: the session store answers). */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { schema: { hide: true, response: { 200: Status } }, logLevel: 'warn' }, async () => ({
    status: 'ok',
  }))
  app.get('/readyz', { schema: { hide: true, response: { 200: Status } }, logLevel: 'warn' }, async () => {
    await app.store.ping()
    return { status: 'ready' }
  })
}
