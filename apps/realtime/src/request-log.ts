import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

const onEndpoint = (request: FastifyRequest): boolean =>
  request.routeOptions.config.websocketEndpoint === true

/**
 * Fastify's per-request log lines (`incoming request`, `request completed`), except on WebSocket endpoints: there the
 * security events already record every upgrade — `ws.upgrade.refused` (reason, status), `ws.connected`, `ws.closed`,
 * each with ip, origin and ids — and the two request lines were a third of a handshake's log cost
 * (docs/decisions/0972-logging-cost-of-the-upgrade.md). Errors are still logged on every route.
 * @example Fastify({ logController: new RequestLog() })
 */
export class RequestLog extends LogController {
  override incomingRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    if (!onEndpoint(request)) super.incomingRequest(request, reply, metadata)
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    if (error || !onEndpoint(request)) super.requestCompleted(error, request, reply, metadata)
  }
}
