import fp from 'fastify-plugin'
import fastifyJwt from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TokenVerifier } from '@portcullis/tokens'
import { fastifyJwtOptions } from '@portcullis/tokens/fastify'

export interface JwtPluginOptions {
  /** The one verifier, over the JWKS source (keys resolved by `kid`). */
  verifier: TokenVerifier
  /** The upgrade's bearer credential, or undefined when it has none (→ `missing`). */
  extractToken: (request: FastifyRequest) => string | undefined
}

/**
 * `@fastify/jwt` in verify-only mode, configured by `@portcullis/tokens`: `request.jwtVerify()` checks the token
 * the upgrade carries (subprotocol, Authorization or dev-only query) with the one verifier's rules and sets
 * `request.user` to `{ claims, kid }` (decision 0820).
 */
async function jwtPlugin(fastify: FastifyInstance, options: JwtPluginOptions): Promise<void> {
  await fastify.register(
    fastifyJwt,
    fastifyJwtOptions(options.verifier, { extractToken: options.extractToken }),
  )
}

export default fp(jwtPlugin, { name: 'rt-jwt' })
