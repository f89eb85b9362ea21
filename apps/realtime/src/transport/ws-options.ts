import type { WebsocketPluginOptions } from '@fastify/websocket'
import { SUBPROTOCOL } from '@portcullis/protocol'

/** Fragments one message may arrive in: real clients send 1; a few allow for proxies that re-frame. */
export const MAX_FRAGMENTS = 8

/**
 * How long a peer has to answer our close frame before its TCP connection is cut, ms. ws's default (30 s) let a
 * client that never answers hold a socket half a minute past every close (revocation, limits, shutdown).
 */
export const CLOSE_TIMEOUT_MS = 1000

/**
 * `ws` server options: frames capped at MAX_MESSAGE_BYTES (1009), few fragments, permessage-deflate never
 * negotiated, and the subprotocol answer is always `portcullis.v1` (never the bearer entry, which browsers would
 * drop the connection over, and which must never be echoed). A peer that does not finish the close handshake is cut
 * after CLOSE_TIMEOUT_MS. UTF-8 validity is checked once, by the protocol parser's strict decoder, and an invalid
 * text frame fails the connection with 1007 `invalid_payload` (RFC 6455 §8.1; docs/decisions/0201).
 */
export function wsServerOptions(maxMessageBytes: number): NonNullable<WebsocketPluginOptions['options']> {
  // `closeTimeout` (ws ≥ 8.18) is not in @types/ws yet: a variable, not a literal, so the extra key type-checks.
  const options = {
    maxPayload: maxMessageBytes,
    maxFragments: MAX_FRAGMENTS,
    perMessageDeflate: false,
    skipUTF8Validation: true,
    closeTimeout: CLOSE_TIMEOUT_MS,
    // The hub tracks its sockets (and drains them on close): ws's own Set of clients would hold every socket twice.
    clientTracking: false,
    handleProtocols: (protocols: Set<string>) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  }
  return options
}
