import { PortcullisError } from './errors.ts'
import type { ApiClient } from './http.ts'
import type { Session } from './session.ts'
import {
  refusedUpgradeStatus,
  type AuthMode,
  type Dial,
  type WebSocketFactory,
  type WebSocketLike,
} from './transport.ts'

/** Renew before connecting when the access token has less than this left (ms). */
const EXPIRY_MARGIN_MS = 5000

/** What one connect attempt presents, and the access token the socket will live on (its `exp`). */
export interface AttemptCredential {
  /** The ticket (ticket mode) or the access token itself. */
  readonly credential: string
  readonly token: string
}

/**
 * The credential of one connect attempt. The token is renewed first when it has (almost) expired — a laptop
 * that slept, a long backoff — or when none is held yet (token provider). Ticket mode then mints a fresh
 * single-use ticket; a 401 renews once (`rejected`) and asks again.
 */
export async function attemptCredential(
  session: Session,
  api: ApiClient,
  mode: AuthMode,
): Promise<AttemptCredential> {
  if (session.loggedIn && session.expiresAt - Date.now() < EXPIRY_MARGIN_MS) await session.refresh()
  const token = session.accessToken()
  if (mode !== 'ticket') return { credential: token, token }
  try {
    return { credential: (await api.wsTicket(token)).ticket, token }
  } catch (error) {
    if (!(error instanceof PortcullisError) || error.code !== 'unauthorized') throw error
  }
  const renewed = await session.refresh('rejected')
  return { credential: (await api.wsTicket(renewed)).ticket, token: renewed }
}

/** What a socket reports to the client. */
export interface SocketHandlers {
  readonly onFrame: (data: unknown) => void
  /** `refusedStatus`: the HTTP status of a refused upgrade, where the socket reveals it (Node `ws`). */
  readonly onClose: (code: number, reason: string, refusedStatus: number | undefined) => void
}

/**
 * Opens the socket of one attempt and wires its events. A constructor failure becomes a `network` error
 * that does not pass the original on: its message may quote the URL, ticket included.
 */
export function openSocket(create: WebSocketFactory, target: Dial, handlers: SocketHandlers): WebSocketLike {
  let socket: WebSocketLike
  try {
    socket = create(target.url, target.protocols, target.headers)
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error'
    throw new PortcullisError('network', `cannot open the socket (${name})`, { source: 'socket' })
  }
  let refusedStatus: number | undefined
  socket.addEventListener('error', (event) => {
    refusedStatus ??= refusedUpgradeStatus(event)
  })
  socket.addEventListener('message', (event) => handlers.onFrame(event.data))
  socket.addEventListener('close', (event) => handlers.onClose(event.code, event.reason, refusedStatus))
  return socket
}
