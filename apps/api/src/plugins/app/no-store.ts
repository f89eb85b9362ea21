import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route's answers carry a credential (token, ticket) or an answer about one: send
     * `Cache-Control: no-store` and `Pragma: no-cache` on every response of it, errors included (RFC 6749 §5.1).
     */
    noStore?: boolean
  }
}

/**
 * Keeps credentials out of every cache (browser, proxy, CDN): routes with `config: { noStore: true }` get
 * `Cache-Control: no-store` and `Pragma: no-cache` (for HTTP/1.0 caches) on every answer, including 4xx/5xx
 * and the rate limiter's 429. Set in `onSend`, which runs for every reply of the route, whatever produced it.
 */
async function noStorePlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onSend', async function noStore(req, reply, payload) {
    if (req.routeOptions.config.noStore) {
      void reply.header('cache-control', 'no-store')
      void reply.header('pragma', 'no-cache')
    }
    return payload
  })
}

export default fp(noStorePlugin, { name: 'no-store' })
