import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/**
 * HSTS whenever this process serves TLS itself (behind a TLS proxy the proxy sends it): browsers then never try
 * plaintext for this host again. Refusals and health answers carry it; a `101` has no body to send it with.
 */
async function hstsPlugin(fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onSend', async function strictTransportSecurity(_request, reply) {
    reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains')
  })
}

export default fp(hstsPlugin, { name: 'rt-hsts' })
