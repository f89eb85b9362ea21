import type { ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'

/**
 * Lets the upgrade's HTTP objects go once the socket is open (memory per idle connection, measured by the bench):
 * @fastify/websocket leaves an `error` listener on the socket that closes over the Fastify request and reply, and
 * the TCP socket keeps the upgrade's `ServerResponse` (and through it the `IncomingMessage`) as `_httpMessage`.
 * Both would stay referenced for the socket's whole life. The replacement listener logs with nothing of the request
 * but its logger. It does not terminate: for a protocol error (oversized frame, bad opcode) ws has already sent the
 * close frame with its code (1009, 1002 …), which an immediate terminate could discard, and ws cuts a peer that does
 * not answer within `closeTimeout`; for a socket error ws destroys the socket itself.
 */
export function releaseUpgrade(socket: WebSocket, request: FastifyRequest, log: FastifyBaseLogger): void {
  socket.removeAllListeners('error')
  socket.on('error', (err: Error) => log.warn({ err }, 'websocket error'))
  const tcp = request.raw.socket
  const res = Reflect.get(tcp, '_httpMessage') as ServerResponse | null | undefined
  if (res && typeof res.detachSocket === 'function') res.detachSocket(tcp)
}
