import type { SessionStore } from '@portcullis/sessions'
import type { RedisConnection } from '@portcullis/sessions/redis'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** The session store; a failure to reach Redis rejects with `StoreUnavailableError` (the error handler: 503). */
    store: SessionStore
    /** Redis (one node or a cluster) for the throttles and quotas; fails like the store. */
    redis: RedisConnection
  }
}

/** Options of the store plugin. */
export interface StorePluginOptions {
  store: SessionStore
  redis: RedisConnection
  /** Close these on app close (what `buildApp` created itself). */
  owned: { store: boolean; redis: boolean }
}

async function storePlugin(app: FastifyInstance, opts: StorePluginOptions): Promise<void> {
  if (!opts.store || !opts.redis) throw new Error('store plugin: store and redis are required')
  app.decorate('store', opts.store)
  app.decorate('redis', opts.redis)
  app.addHook('onClose', async () => {
    if (opts.owned.store) await opts.store.close()
    if (opts.owned.redis) await opts.redis.close()
  })
}

export default fp(storePlugin, { name: 'store' })
