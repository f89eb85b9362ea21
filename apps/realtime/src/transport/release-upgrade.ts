import type { ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'

/**
 * Lets the upgrade's HTTP objects go once the socket is open (memory per idle connection, measured by the bench):
 * @fastify/websocket leaves an `error` listener on the socket that closes over the Fastify request and reply, and
 * the TCP socket keeps the upgrade's `ServerResponse` (and through it the `IncomingMessage`) as `_httpMessage`.
 * Both would stay referenced for the socket's whole life. The replacement listener does what the default did
 * (log, terminate) with nothing of the request but its logger.
 */
export function releaseUpgrade(socket: WebSocket, request: FastifyRequest, log: FastifyBaseLogger): void {
  socket.removeAllListeners('error')
  socket.on('error', (err: Error) => {
    log.warn({ err }, 'websocket error')
    socket.terminate()
  })
  const tcp = request.raw.socket
  const res = Reflect.get(tcp, '_httpMessage') as ServerResponse | null | undefined
  if (res && typeof res.detachSocket === 'function') res.detachSocket(tcp)
}
