import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import { RtErrors } from '../../errors.ts'
import { protocolEntries } from '../../auth/credentials.ts'
import { refuse } from './refuse.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: 400 for anything that is not a well-formed WebSocket handshake. */
    checkHandshake: onRequestHookHandler
  }
}

const KEY = /^[A-Za-z0-9+/]{22}==$/
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** More subprotocol entries than this is not a client we know. */
const MAX_PROTOCOL_ENTRIES = 8
/**
 * More header fields than this is an excessive handshake (docs/reference/protocol.md: refused). Node only caps their total size (431)
 * and silently drops fields past `maxHeadersCount` (2000); 100 is Apache's `LimitRequestFields` default, and
 * browsers send about 15 on an upgrade.
 */
export const MAX_HEADER_FIELDS = 100

/** Why a handshake is malformed, or null when it is fine. */
export function handshakeProblem(request: FastifyRequest): string | null {
  if (!request.ws) return 'not_upgrade'
  if (request.raw.rawHeaders.length / 2 > MAX_HEADER_FIELDS) return 'too_many_headers'
  const h = request.headers
  if (typeof h.upgrade !== 'string' || h.upgrade.toLowerCase() !== 'websocket') return 'bad_upgrade_header'
  if (h['sec-websocket-version'] !== '13') return 'bad_version'
  const key = h['sec-websocket-key']
  if (typeof key !== 'string' || !KEY.test(key)) return 'bad_key'
  const protocols = h['sec-websocket-protocol']
  if (protocols !== undefined) {
    if (typeof protocols !== 'string') return 'bad_protocol_header'
    const entries = protocolEntries(protocols)
    if (entries.length === 0 || entries.length > MAX_PROTOCOL_ENTRIES) return 'bad_protocol_header'
    if (!entries.every((e) => TOKEN.test(e))) return 'bad_protocol_header'
  }
  return null
}

/** First control of the upgrade route: malformed handshakes never reach the limits or the credential checks. */
async function handshakePlugin(fastify: FastifyInstance): Promise<void> {
  fastify.decorate('checkHandshake', async function checkHandshake(request: FastifyRequest, reply) {
    const problem = handshakeProblem(request)
    if (!problem) return
    // RFC 6455 §4.4: a server that does not speak the requested version answers with the versions it speaks.
    if (problem === 'bad_version') void reply.header('sec-websocket-version', '13')
    throw refuse(request, new RtErrors.HANDSHAKE_MALFORMED(), problem)
  })
}

export default fp(handshakePlugin, { name: 'rt-handshake' })
