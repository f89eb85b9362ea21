import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createRedisClient, watchStoreConnection, type RedisClient } from '@portcullis/sessions/redis'

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's Redis connections: commands, and the subscriber that carries channel fan-out (named apart from
     * the api's `redis` decorator: both apps are typechecked together in cross-app tests). */
    redisConnections: { client: RedisClient; subscriber: RedisClient }
  }
}

export interface RedisPluginOptions {
  url: string
  /** How long start-up waits for the first connection before going on (then 503 until Redis answers), ms. */
  connectWaitMs?: number
}

/** Resolves once `client` connected or `ms` passed; the client keeps reconnecting in the background either way. */
async function connectOrWait(client: RedisClient, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    client.connect().then(
      () => {},
      () => {},
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ])
  clearTimeout(timer)
}

/**
 * node-redis clients that fail fast while disconnected (see `createRedisClient`), with an `error` listener each so
 * an outage never crashes the process. The app starts whether or not Redis answers: upgrades get 503 meanwhile.
 */
async function redisPlugin(fastify: FastifyInstance, options: RedisPluginOptions): Promise<void> {
  if (!options.url) throw new Error('redis: url is required')
  const client = createRedisClient(options.url, {
    name: 'portcullis-realtime',
    onError: (err) => fastify.log.debug({ err }, 'redis client error'),
  })
  const subscriber = client.duplicate()
  subscriber.on('error', (err: Error) => fastify.log.debug({ err }, 'redis subscriber error'))
  // One log line when the store is unreachable at boot (and when it comes back), not one per retry.
  const watch = watchStoreConnection(client, fastify.log, options.url)
  const waitMs = options.connectWaitMs ?? 2000
  await Promise.all([connectOrWait(client, waitMs), connectOrWait(subscriber, waitMs)])
  watch.startupDone()
  fastify.decorate('redisConnections', { client, subscriber })
  fastify.addHook('onClose', async function closeRedis() {
    for (const c of [subscriber, client]) {
      if (c.isOpen) await c.close().catch(() => c.destroy())
      else c.destroy()
    }
  })
}

export default fp(redisPlugin, { name: 'rt-redis' })
