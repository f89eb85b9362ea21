import { Type, type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { EpochMs } from './messages/common.ts'
import type { ChannelMessage } from './messages/server/message.ts'

/**
 * The live security feed: the servers publish a subset of their security events (docs/reference/security-events.md)
 * as ordinary `message` pushes on this channel. Only admins may subscribe (`admin:*`), and no client may publish on
 * it, so everything on it comes from the servers.
 */
export const SECURITY_FEED_CHANNEL = 'admin:security'

/** The `from` of every feed message: the platform, not a user (no client can publish on the feed channel). */
export const SECURITY_FEED_SENDER = { id: 'portcullis', username: 'portcullis' } as const

const Short = (description: string, maxLength = 128) => Type.Optional(Type.String({ maxLength, description }))
const Count = (description: string) => Type.Optional(Type.Integer({ minimum: 0, description }))

/**
 * One feed entry: the `text` of a feed message, as compact JSON. Identifiers only — never a token, ticket,
 * password or message body. New optional fields may appear: ignore the ones you do not know.
 */
export const SecurityFeedEntrySchema = Type.Object(
  {
    event: Type.String({
      pattern: '^[a-z][a-z0-9_.]{0,63}$',
      description: 'The security event name, e.g. `ws.upgrade.refused` (docs/reference/security-events.md).',
    }),
    source: Type.Union([Type.Literal('api'), Type.Literal('realtime')], {
      description: 'The app that took the decision.',
    }),
    at: { ...EpochMs, description: 'When the decision was taken (epoch ms).' },
    reason: Short('Stable lowercase reason, e.g. `origin_not_allowed`, `bad_password`, `admin`.', 64),
    status: Type.Optional(Type.Integer({ description: 'HTTP status of a refusal, e.g. 403.' })),
    code: Type.Optional(Type.Integer({ description: 'WebSocket close code, e.g. 4429.' })),
    ip: Short('Client IP address.', 64),
    origin: Short('`Origin` header of the request (cut to 128 characters).'),
    userId: Short('The user concerned.'),
    sessionId: Short('The session concerned.'),
    actor: Short('The admin who acted (revocations, role changes).'),
    roles: Short('New roles, comma-separated (role changes).', 64),
    sockets: Count('Sockets closed by the decision.'),
    dropped: Count('Events this instance left out of the feed since its previous entry (rate limit).'),
  },
  { description: 'A security decision as the admin feed shows it (identifiers only).' },
)
export type SecurityFeedEntry = Static<typeof SecurityFeedEntrySchema>

let entryChecker: { Check(value: unknown): boolean } | undefined

/**
 * The feed message of an entry: a `message` push on `SECURITY_FEED_CHANNEL` from `SECURITY_FEED_SENDER`, `text` the
 * entry as compact JSON, `ts` its `at`. Serialize it with `JSON.stringify` (field order as the protocol's).
 * @example JSON.stringify(securityFeedMessage({ event: 'ip.blocked', source: 'realtime', at: Date.now() }, randomUUID()))
 */
export function securityFeedMessage(entry: SecurityFeedEntry, messageId: string): ChannelMessage {
  return {
    type: 'message',
    channel: SECURITY_FEED_CHANNEL,
    messageId,
    from: { ...SECURITY_FEED_SENDER },
    text: JSON.stringify(entry),
    ts: entry.at,
  }
}

/**
 * The entry a `message` carries when it is a feed message (on `SECURITY_FEED_CHANNEL`, from `SECURITY_FEED_SENDER`,
 * `text` a valid entry); null for anything else. Never throws.
 * @example client.on('message', (m) => { const entry = parseSecurityFeedEntry(m); if (entry) show(entry) })
 */
export function parseSecurityFeedEntry(message: ChannelMessage): SecurityFeedEntry | null {
  if (message.channel !== SECURITY_FEED_CHANNEL || message.from.id !== SECURITY_FEED_SENDER.id) return null
  let value: unknown
  try {
    value = JSON.parse(message.text)
  } catch {
    return null
  }
  entryChecker ??= Compile(SecurityFeedEntrySchema)
  return entryChecker.Check(value) ? (value as SecurityFeedEntry) : null
}
