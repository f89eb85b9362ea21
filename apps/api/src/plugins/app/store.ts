import type { SessionStore } from '@portcullis/sessions'
import type { RedisClient } from '@portcullis/sessions/redis'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { guardStore } from '../../store-guard.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The session store; every failure surfaces as `StoreUnavailable` (503). */
    store: SessionStore
    /** The raw Redis client (throttles); wrap calls in `storeCall`. */
    redis: RedisClient
  }
}

/** Options of the store plugin. */
export interface StorePluginOptions {
  store: SessionStore
  redis: RedisClient
  /** Close these on app close (what `buildApp` created itself). */
  owned: { store: boolean; redis: boolean }
}

async function storePlugin(app: FastifyInstance, opts: StorePluginOptions): Promise<void> {
  if (!opts.store || !opts.redis) throw new Error('store plugin: store and redis are required')
  app.decorate('store', guardStore(opts.store))
  app.decorate('redis', opts.redis)
  app.addHook('onClose', async () => {
    if (opts.owned.store) await opts.store.close()
    if (opts.owned.redis && opts.redis.isOpen) opts.redis.destroy()
  })
}

export default fp(storePlugin, { name: 'store' })
