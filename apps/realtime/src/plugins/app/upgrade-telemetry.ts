import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { startUpgrade, type UpgradeTelemetry } from '@portcullis/telemetry'

declare module 'fastify' {
  interface FastifyRequest {
    /** The `ws.upgrade` span/metric of this request, created on first use (`upgradeOf`). */
    upgradeTelemetry: UpgradeTelemetry | null
    /** Set by `refuse()`: the refusal's security event is written, the error handler must not write it again. */
    refusalRecorded: boolean
  }
}

/**
 * The `ws.upgrade` span/metric helper of an upgrade request, created on first use — `routes/ws.ts` touches it in
 * its first hook so the span starts at the request's arrival. Refusals end it in `refuse()`, the handler accepts.
 */
export function upgradeOf(request: FastifyRequest): UpgradeTelemetry {
  request.upgradeTelemetry ??= startUpgrade({
    method: request.method,
    url: request.url,
    ip: request.ip,
    origin: request.headers.origin,
    remotePort: request.socket?.remotePort,
    headers: request.headers,
  })
  return request.upgradeTelemetry
}

/** First `onRequest` hook of the WebSocket route: starts the upgrade's telemetry clock. */
export async function traceUpgrade(request: FastifyRequest): Promise<void> {
  upgradeOf(request)
}

/** Per-request upgrade state lives on the request (no module-level maps). */
async function upgradeTelemetryPlugin(fastify: FastifyInstance): Promise<void> {
  fastify.decorateRequest('upgradeTelemetry', null)
  fastify.decorateRequest('refusalRecorded', false)
}

export default fp(upgradeTelemetryPlugin, { name: 'rt-upgrade-telemetry' })
