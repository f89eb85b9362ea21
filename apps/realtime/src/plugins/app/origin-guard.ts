import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { OriginPolicy } from '@portcullis/config'
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
  /** ALLOWED_ORIGINS as the one Origin policy (`originPolicy`): exact, lower-cased, `*` in development only. */
  origins: OriginPolicy
}

async function originGuardPlugin(fastify: FastifyInstance, options: OriginGuardOptions): Promise<void> {
  const { origins } = options
  if (typeof origins?.allows !== 'function') throw new Error('origin-guard: origins must be an OriginPolicy')

  fastify.decorate('checkOrigin', async function checkOrigin(request: FastifyRequest) {
    const origin = request.headers.origin
    if (origin === undefined) return
    if (typeof origin !== 'string' || !origins.allows(origin))
      throw refuse(request, new RtErrors.ORIGIN_FORBIDDEN(), 'origin_not_allowed')
  })
}

export default fp(originGuardPlugin, { name: 'rt-origin-guard' })
