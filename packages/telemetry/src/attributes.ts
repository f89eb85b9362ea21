/**
 * Span and metric attribute names. Semantic-convention names where one exists (`user.id`, `client.address`,
 * `http.*`, `url.*`, `network.*`); ours live under `portcullis.*`. Every value put under these names is an
 * identifier or a bounded enum — never a credential or a message body (see docs/reference/security-events.md).
 */
export const ATTR = {
  USER_ID: 'user.id',
  CLIENT_ADDRESS: 'client.address',
  HTTP_METHOD: 'http.request.method',
  HTTP_STATUS: 'http.response.status_code',
  URL_PATH: 'url.path',
  URL_QUERY: 'url.query',
  NETWORK_PEER_PORT: 'network.peer.port',
  NETWORK_PROTOCOL: 'network.protocol.name',
  OUTCOME: 'portcullis.outcome',
  REASON: 'portcullis.reason',
  CREDENTIAL: 'portcullis.credential',
  ORIGIN: 'portcullis.origin',
  EVENT: 'portcullis.event',
  SOURCE: 'portcullis.source',
  SESSION_ID: 'portcullis.session.id',
  CONNECTION_ID: 'portcullis.connection.id',
  MESSAGE_TYPE: 'portcullis.message.type',
  MESSAGE_BYTES: 'portcullis.message.bytes',
  CLOSE_CODE: 'portcullis.close.code',
  CLOSE_REASON: 'portcullis.close.reason',
} as const

/** How a socket presented its credential (docs/reference/websocket-messages.md, first match wins). */
export type CredentialKind = 'ticket' | 'subprotocol' | 'authorization' | 'query' | 'none'

const REASON = /^[A-Za-z0-9_.:-]{1,64}$/

/**
 * A reason/label value safe for a metric attribute: a short identifier, or `other`. Metric labels must stay a
 * small closed set (cardinality) and must never carry free text that could hold a secret.
 * @example boundedLabel('bad_password') // 'bad_password'; boundedLabel('Bearer ey…') // 'other'
 */
export function boundedLabel(value: string | undefined | null, fallback = 'none'): string {
  if (value === undefined || value === null || value === '') return fallback
  return REASON.test(value) ? value : 'other'
}

/** Client message types the protocol defines (docs/reference/protocol.md); anything else is reported as `unknown`. */
export const CLIENT_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'ping',
  'subscribe',
  'unsubscribe',
  'publish',
  'auth.refresh',
])

/** The `portcullis.message.type` value for a client-sent type: the type when the protocol knows it, else `unknown`. */
export function messageTypeLabel(type: string | undefined | null): string {
  return type && CLIENT_MESSAGE_TYPES.has(type) ? type : 'unknown'
}

/** A request path without its query string (tickets and tokens travel there). */
export function pathOnly(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/**
 * A query string with every value replaced by `REDACTED`, keys kept: `ticket=abc&x=1` → `ticket=REDACTED&x=REDACTED`.
 * Used for `url.query` on HTTP spans.
 */
export function scrubQuery(query: string): string {
  const raw = query.startsWith('?') ? query.slice(1) : query
  if (raw === '') return ''
  return [...new URLSearchParams(raw).keys()].map((k) => `${encodeURIComponent(k)}=REDACTED`).join('&')
}
