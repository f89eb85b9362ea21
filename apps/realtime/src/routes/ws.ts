import type { FastifyInstance } from 'fastify'
import { rtEvent } from '../security-events.ts'
import type { Hub } from '../hub/hub.ts'
import type { Supervisor } from '../hub/supervisor.ts'
import { RtErrors } from '../errors.ts'
import { refuse } from '../plugins/app/refuse.ts'
import { traceUpgrade, upgradeOf } from '../plugins/app/upgrade-telemetry.ts'
import { releaseUpgrade } from '../transport/release-upgrade.ts'

/**
 * `GET /v1/ws`: an ordinary route whose hooks refuse, in the documented order (docs/guides/realtime.md) and before any socket exists:
 * 400 handshake → 429 IP block → 429 connect rate → 403 Origin → 401/503 credential → 429 per-user cap.
 * Only a request that passed all of them is upgraded.
 */
export default async function wsRoute(
  fastify: FastifyInstance,
  options: { hub: Hub; supervisor: Supervisor },
): Promise<void> {
  const { hub, supervisor } = options
  fastify.route({
    method: 'GET',
    url: '/v1/ws',
    websocket: true,
    config: { websocketEndpoint: true },
    onRequest: [
      traceUpgrade,
      fastify.checkHandshake,
      async function draining(request) {
        if (hub.draining) throw refuse(request, new RtErrors.SHUTTING_DOWN(), 'shutting_down')
      },
      fastify.checkIpGate,
    ],
    preValidation: [fastify.checkOrigin, fastify.authenticateUpgrade, fastify.reserveConnection],
    handler: async function upgraded(socket, request) {
      const principal = request.principal!
      const connectionId = request.connectionId!
      request.keepConnectionSlot?.()
      // The instance's logger, not the request's child (memory at 10 000 sockets): every socket event carries its
      // connectionId, ip and ids itself, and the upgrade route writes no request lines to correlate with.
      const log = fastify.log
      const upgrade = upgradeOf(request)
      // On the upgrade span, which ends now: an event on the long-lived connection span stays in memory with it
      // (≈ 0.25 KB per socket for its attributes and timestamp).
      upgrade.run(() =>
        rtEvent(log, 'ws.connected', {
          via: principal.via,
          ip: request.ip,
          origin: request.headers.origin ?? null,
          userId: principal.userId,
          sessionId: principal.sid,
          connectionId,
        }),
      )
      const telemetry = upgrade.accept({
        credential: principal.via,
        userId: principal.userId,
        sessionId: principal.sid,
        connectionId,
      })
      const conn = hub.open(
        socket,
        connectionId,
        principal,
        { ip: request.ip, origin: request.headers.origin ?? null },
        log,
        telemetry,
      )
      // Events that raced the upgrade (revocation, role change) apply now that the socket can be found.
      supervisor.settleUpgrade(request.upgradeWatch!, conn)
      releaseUpgrade(socket, request, log)
    },
  })
}
