import type { FastifyRequest } from 'fastify'
import { startUpgrade, type UpgradeTelemetry } from '@portcullis/telemetry'

const upgrades = new WeakMap<FastifyRequest, UpgradeTelemetry>()

/**
 * The `ws.upgrade` span/metric helper of an upgrade request, created on first use — `routes/ws.ts` touches it in
 * its first hook so the span starts at the request's arrival. Refusals end it in `refuse()`, the handler accepts.
 */
export function upgradeOf(request: FastifyRequest): UpgradeTelemetry {
  let upgrade = upgrades.get(request)
  if (!upgrade) {
    upgrade = startUpgrade({
      method: request.method,
      url: request.url,
      ip: request.ip,
      origin: request.headers.origin,
      remotePort: request.socket?.remotePort,
      headers: request.headers,
    })
    upgrades.set(request, upgrade)
  }
  return upgrade
}

/** First `onRequest` hook of the WebSocket route: starts the upgrade's telemetry clock. */
export async function traceUpgrade(request: FastifyRequest): Promise<void> {
  upgradeOf(request)
}
