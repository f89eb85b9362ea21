import type { ErrorCode, Role } from '@portcullis/protocol'

/**
 * Serializers of server frames. Each builds the JSON text directly in the protocol's field order; strings that
 * come from clients or the store go through JSON.stringify, so nothing can break out of its field.
 */
const q = JSON.stringify

const idPart = (id: string | undefined): string => (id === undefined ? '' : `,"id":${q(id)}`)

export const frames = {
  pong: (id: string): string => `{"type":"pong","id":${q(id)}}`,
  subscribed: (id: string, channel: string): string =>
    `{"type":"subscribed","id":${q(id)},"channel":${q(channel)}}`,
  unsubscribed: (id: string | undefined, channel: string, reason: 'requested' | 'forbidden'): string =>
    `{"type":"unsubscribed"${idPart(id)},"channel":${q(channel)},"reason":"${reason}"}`,
  published: (id: string, channel: string, messageId: string): string =>
    `{"type":"published","id":${q(id)},"channel":${q(channel)},"messageId":${q(messageId)}}`,
  authRefreshed: (id: string, expiresAt: number): string =>
    `{"type":"auth.refreshed","id":${q(id)},"expiresAt":${expiresAt}}`,
  authExpiring: (expiresAt: number): string => `{"type":"auth.expiring","expiresAt":${expiresAt}}`,
  sessionUpdated: (roles: readonly Role[]): string => `{"type":"session.updated","roles":${q(roles)}}`,
  error: (id: string | undefined, code: ErrorCode, message: string, retryAfterMs?: number): string =>
    `{"type":"error"${idPart(id)},"code":"${code}","message":${q(message)}${
      retryAfterMs === undefined ? '' : `,"retryAfterMs":${Math.max(0, Math.ceil(retryAfterMs))}`
    }}`,
  message: (
    channel: string,
    messageId: string,
    from: { id: string; username: string },
    text: string,
    ts: number,
  ): string =>
    `{"type":"message","channel":${q(channel)},"messageId":${q(messageId)},"from":{"id":${q(from.id)},"username":${q(
      from.username,
    )}},"text":${q(text)},"ts":${ts}}`,
}
