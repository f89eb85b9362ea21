import fastifyJwt from '@fastify/jwt'
import { fastifyJwtOptions, type FastifyJwtOptionsInput } from '@portcullis/tokens/fastify'
import type { TokenVerifier } from '@portcullis/tokens'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** Options of the jwt plugin: the verifier, and what `fastifyJwtOptions` takes besides it. */
export interface JwtPluginOptions extends FastifyJwtOptionsInput {
  verifier: TokenVerifier
}

/**
 * `@fastify/jwt`, configured by `@portcullis/tokens`: `app.jwt.sign(issuer.claims(...))` signs with the current
 * key (its `kid` in the header); `request.jwtVerify()` resolves keys by `kid` and runs the one verifier's rules,
 * then the `trusted` hook (decision 0820).
 */
async function jwtPlugin(app: FastifyInstance, opts: JwtPluginOptions): Promise<void> {
  const { verifier, ...input } = opts
  await app.register(fastifyJwt, fastifyJwtOptions(verifier, input))
}

export default fp(jwtPlugin, { name: 'jwt' })
