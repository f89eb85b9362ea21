import type { WebsocketPluginOptions } from '@fastify/websocket'
import { SUBPROTOCOL } from '@portcullis/protocol'

/** Fragments one message may arrive in: real clients send 1; a few allow for proxies that re-frame. */
export const MAX_FRAGMENTS = 8

/**
 * `ws` server options: frames capped at MAX_MESSAGE_BYTES (1009), few fragments, permessage-deflate never
 * negotiated, and the subprotocol answer is always `portcullis.v1` (never the bearer entry, which browsers would
 * drop the connection over, and which must never be echoed). UTF-8 validity is checked by the protocol parser, so
 * an invalid text frame gets an `error` reply like any other invalid message (docs/decisions/0201).
 */
export function wsServerOptions(maxMessageBytes: number): NonNullable<WebsocketPluginOptions['options']> {
  return {
    maxPayload: maxMessageBytes,
    maxFragments: MAX_FRAGMENTS,
    perMessageDeflate: false,
    skipUTF8Validation: true,
    clientTracking: true,
    handleProtocols: (protocols: Set<string>) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  }
}
