import { jwksDocument } from '@portcullis/tokens'
import type { FastifyInstance } from 'fastify'

/**
 * Seconds verifiers may cache the JWKS. Short, so a newly added key is picked up well within an access token's
 * lifetime; a rotation publishes the new key at least this long (and every verifier's refresh interval, realtime's
 * `JWKS_REFRESH_S`) before it signs (docs/guides/api.md, "Rotate keys").
 */
export const JWKS_MAX_AGE_S = 300

/** GET /.well-known/jwks.json — the public keys (current and still-verifying previous ones). */
export default async function jwksRoute(app: FastifyInstance): Promise<void> {
  const body = JSON.stringify(jwksDocument(app.keys))
  app.get(
    '/.well-known/jwks.json',
    { schema: { tags: ['keys'], summary: 'Public signing keys (JWKS)' } },
    async (_req, reply) =>
      reply
        .header('cache-control', `public, max-age=${JWKS_MAX_AGE_S}`)
        .type('application/jwk-set+json')
        .send(body),
  )
}
