import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import {
  connectRedis,
  redisAddress,
  watchStoreConnection,
  whenReady,
  type RedisConnection,
  type RedisSubscriber,
  type RedisTarget,
} from '@portcullis/sessions/redis'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * This instance's Redis (one node or a cluster): commands, and the sharded subscriber that carries channel
     * fan-out (named apart from the api's `redis` decorator: both apps are typechecked together in cross-app tests).
     */
    redisConnections: { redis: RedisConnection; subscriber: RedisSubscriber }
  }
}

export interface RedisPluginOptions {
  /** `redisTarget(config)`: `REDIS_CLUSTER_NODES` when set, else `REDIS_URL`. */
  target: RedisTarget
  /** How long start-up waits for the first connection before going on (then 503 until Redis answers), ms. */
  connectWaitMs?: number
}

/**
 * THE Redis connection of the instance (`connectRedis`: fails fast, `StoreUnavailableError` on every failure, never
 * crashes on an outage) and one sharded subscriber for channel fan-out. The app starts whether or not Redis answers:
 * upgrades get 503 meanwhile.
 */
async function redisPlugin(fastify: FastifyInstance, options: RedisPluginOptions): Promise<void> {
  if (!options.target) throw new Error('redis: target is required')
  const redis = connectRedis(options.target, {
    name: 'portcullis-realtime',
    onError: (err) => fastify.log.debug({ err }, 'redis client error'),
  })
  const subscriber = redis.subscriber()
  // One log line when the store is unreachable at boot (and when it comes back), not one per retry.
  const watch = watchStoreConnection(redis.events, fastify.log, redisAddress(options.target))
  await whenReady(redis, options.connectWaitMs ?? 2000)
  watch.startupDone()
  fastify.decorate('redisConnections', { redis, subscriber })
  fastify.addHook('onClose', async function closeRedis() {
    await redis.close()
  })
}

export default fp(redisPlugin, { name: 'rt-redis' })
