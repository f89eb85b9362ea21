import fp from 'fastify-plugin'
import websocket from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import { CLOSE_CODES } from '@portcullis/protocol'
import { wsServerOptions } from '../../transport/ws-options.ts'

export interface WebsocketPluginOptions {
  maxMessageBytes: number
}

/**
 * @fastify/websocket with the server options of `transport/ws-options.ts`. On `app.close()` every socket is closed
 * 1001 `going_away` first (the node's `drain`), so clients reconnect elsewhere instead of seeing 1006.
 */
async function websocketPlugin(fastify: FastifyInstance, options: WebsocketPluginOptions): Promise<void> {
  await fastify.register(websocket, {
    options: wsServerOptions(options.maxMessageBytes),
    preClose: async function closeSockets() {
      await fastify.drain(CLOSE_CODES.goingAway.code, CLOSE_CODES.goingAway.reason, 2000)
    },
  })
}

export default fp(websocketPlugin, { name: 'rt-websocket', dependencies: ['rt-node'] })
