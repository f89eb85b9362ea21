import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { RtErrors } from '../../errors.ts'
import { refuse } from './refuse.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route is a WebSocket endpoint: the only kind of route that may answer a handshake with `101`. */
    websocketEndpoint?: boolean
  }
}

/**
 * Only WebSocket endpoints upgrade. @fastify/websocket wraps EVERY route registered after it: a handshake sent to
 * `/healthz` would be answered `101` and then closed, with no Origin check, no credential, no cap, and the socket
 * left to linger through the close handshake. This root hook answers 404 (before any other check, so nothing is
 * counted or spent) to a handshake on any route not marked `config.websocketEndpoint`, unknown paths included.
 */
async function upgradePathsPlugin(fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onRequest', async function onlyEndpointsUpgrade(request: FastifyRequest) {
    if (request.ws && request.routeOptions.config.websocketEndpoint !== true)
      throw refuse(request, new RtErrors.NOT_WS_ENDPOINT(), 'not_a_websocket_endpoint')
  })
}

export default fp(upgradePathsPlugin, { name: 'rt-upgrade-paths', dependencies: ['@fastify/websocket'] })
