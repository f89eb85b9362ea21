import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * Security headers. The api serves only JSON, so the CSP is `default-src 'none'`. HSTS only when the api is
 * reached over TLS (its own certificate or a TLS-terminating proxy): HSTS over plain http is ignored by browsers
 * and would pin localhost in development.
 */
async function helmetPlugin(app: FastifyInstance, opts: { tls: boolean }): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    hsts: opts.tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginResourcePolicy: { policy: 'cross-origin' }, // the web app on another port reads the JSON
  })
}

export default fp(helmetPlugin, { name: 'helmet' })
