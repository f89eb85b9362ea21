import { BEARER_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from '@portcullis/protocol'

/** Where a credential came from (documented order, docs/reference/websocket-messages.md: first match wins). */
export type CredentialSource = 'ticket' | 'subprotocol' | 'authorization' | 'query'

export type Extraction =
  | { ok: true; source: CredentialSource; value: string }
  | {
      ok: false
      reason: 'missing' | 'bearer_without_subprotocol' | 'query_token_disabled' | 'malformed_credential'
    }

/** Splits a `Sec-WebSocket-Protocol` header into its entries (comma separated, whitespace trimmed). */
export function protocolEntries(header: string | undefined): string[] {
  if (!header) return []
  return header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

const MAX_CREDENTIAL = 8192

/** A query value: undefined when absent, null when repeated, empty or oversized, else the string. */
function single(v: unknown): string | null | undefined {
  if (v === undefined) return undefined
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_CREDENTIAL ? v : null
}

/**
 * Picks the credential of an upgrade request, in the documented order: `?ticket=`, the `portcullis.bearer.<jwt>` subprotocol
 * entry (only next to `portcullis.v1`), `Authorization: Bearer`, then `?access_token=` when allowed.
 * Never logs or returns anything but the value to verify.
 */
export function extractCredential(
  query: Record<string, unknown>,
  headers: Record<string, string | string[] | undefined>,
  allowQueryToken: boolean,
): Extraction {
  const ticket = single(query.ticket)
  if (ticket === null) return { ok: false, reason: 'malformed_credential' }
  if (ticket !== undefined) return { ok: true, source: 'ticket', value: ticket }

  const protocolHeader = headers['sec-websocket-protocol']
  const entries = protocolEntries(Array.isArray(protocolHeader) ? protocolHeader.join(',') : protocolHeader)
  const bearers = entries.filter((e) => e.startsWith(BEARER_SUBPROTOCOL_PREFIX))
  if (bearers.length > 0) {
    if (!entries.includes(SUBPROTOCOL)) return { ok: false, reason: 'bearer_without_subprotocol' }
    const token = bearers[0]!.slice(BEARER_SUBPROTOCOL_PREFIX.length)
    if (bearers.length > 1 || token.length === 0) return { ok: false, reason: 'malformed_credential' }
    return { ok: true, source: 'subprotocol', value: token }
  }

  const authorization = headers.authorization
  if (typeof authorization === 'string' && authorization.length > 0) {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization)
    if (!match || match[1]!.length > MAX_CREDENTIAL) return { ok: false, reason: 'malformed_credential' }
    return { ok: true, source: 'authorization', value: match[1]! }
  }

  const queryToken = single(query.access_token)
  if (queryToken === null) return { ok: false, reason: 'malformed_credential' }
  if (queryToken !== undefined) {
    if (!allowQueryToken) return { ok: false, reason: 'query_token_disabled' }
    return { ok: true, source: 'query', value: queryToken }
  }
  return { ok: false, reason: 'missing' }
}
