import { BEARER_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from '@portcullis/protocol'

/**
 * The part of the WebSocket API the SDK uses: the browser's `WebSocket`, Node's global `WebSocket`
 * (undici) and the `ws` package all provide it.
 */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void
  addEventListener(type: 'error', listener: (event: unknown) => void): void
}

/**
 * Opens a socket. `headers` is non-empty only in `authorization-header` mode, which needs a constructor
 * that accepts headers (the `ws` package); browsers cannot set headers on a WebSocket.
 * @example
 * import WebSocket from 'ws'
 * const createWebSocket: WebSocketFactory = (url, protocols, headers) => new WebSocket(url, protocols, { headers })
 */
export type WebSocketFactory = (
  url: string,
  protocols: string[],
  headers: Record<string, string>,
) => WebSocketLike

/**
 * How the socket proves who it is:
 * - `ticket` (default, browsers): a fresh single-use ticket from the api in `?ticket=` for every connect;
 *   the only credential that ever appears in a URL.
 * - `bearer-subprotocol`: `Sec-WebSocket-Protocol: portcullis.v1, portcullis.bearer.<jwt>` (Node; also works in browsers).
 * - `authorization-header`: `Authorization: Bearer <jwt>` (Node with the `ws` package).
 */
export type AuthMode = 'ticket' | 'bearer-subprotocol' | 'authorization-header'

/** `WebSocket.OPEN`, without relying on a global. */
export const OPEN = 1

/** The default factory: the global `WebSocket` (browsers, Node ≥ 22). */
export const globalWebSocketFactory: WebSocketFactory = (url, protocols) => {
  const Ctor = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => WebSocketLike })
    .WebSocket
  if (!Ctor) throw new Error('no global WebSocket: pass createWebSocket (e.g. from the ws package)')
  return new Ctor(url, protocols)
}

/** The endpoint URL: `<realtimeUrl>/v1/ws`, unless the caller already gave a path. */
export function endpointUrl(realtimeUrl: string): URL {
  const url = new URL(realtimeUrl)
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/ws'
  return url
}

/** What to open for one connect attempt. */
export interface Dial {
  readonly url: string
  readonly protocols: string[]
  readonly headers: Record<string, string>
}

/** Builds the URL, subprotocols and headers of one connect attempt for a credential. */
export function dial(realtimeUrl: string, mode: AuthMode, credential: string): Dial {
  const url = endpointUrl(realtimeUrl)
  if (mode === 'ticket') {
    url.searchParams.set('ticket', credential)
    return { url: url.href, protocols: [SUBPROTOCOL], headers: {} }
  }
  if (mode === 'bearer-subprotocol') {
    return {
      url: url.href,
      protocols: [SUBPROTOCOL, `${BEARER_SUBPROTOCOL_PREFIX}${credential}`],
      headers: {},
    }
  }
  return { url: url.href, protocols: [SUBPROTOCOL], headers: { authorization: `Bearer ${credential}` } }
}

/**
 * The HTTP status of a refused upgrade, when the socket implementation reveals it. `ws` reports
 * "Unexpected server response: 401" on its error event; browsers reveal nothing (close 1006), which is
 * why ticket mode learns refusals from the ticket call instead.
 */
export function refusedUpgradeStatus(event: unknown): number | undefined {
  const message =
    typeof event === 'object' && event !== null && 'message' in event
      ? String((event as { message: unknown }).message)
      : ''
  const match = /Unexpected server response: (\d{3})/.exec(message)
  return match ? Number(match[1]) : undefined
}
