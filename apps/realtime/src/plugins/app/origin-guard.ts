import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify'
import { RtErrors } from '../../errors.ts'
import { refuse } from './refuse.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Hook: 403 when an `Origin` is present and not in ALLOWED_ORIGINS. @fastify/cors does not guard upgrades,
     * so this is the cross-site WebSocket hijacking defence. No `Origin` = a non-browser client, judged by its
     * credential alone. Runs before authentication, so a refused Origin never spends a ticket.
     */
    checkOrigin: preValidationHookHandler
  }
}

export interface OriginGuardOptions {
  /** Exact origins (`scheme://host[:port]`); `*` (development only, refused in production) allows any. */
  allowedOrigins: readonly string[]
}

async function originGuardPlugin(fastify: FastifyInstance, options: OriginGuardOptions): Promise<void> {
  if (!Array.isArray(options.allowedOrigins)) throw new Error('origin-guard: allowedOrigins must be an array')
  const any = options.allowedOrigins.includes('*')
  const allowed = new Set(options.allowedOrigins.map((o) => o.toLowerCase()))

  fastify.decorate('checkOrigin', async function checkOrigin(request: FastifyRequest) {
    const origin = request.headers.origin
    if (origin === undefined || any) return
    if (typeof origin !== 'string' || !allowed.has(origin.toLowerCase())) {
      throw refuse(request, new RtErrors.ORIGIN_FORBIDDEN(), 'origin_not_allowed')
    }
  })
}

export default fp(originGuardPlugin, { name: 'rt-origin-guard' })
