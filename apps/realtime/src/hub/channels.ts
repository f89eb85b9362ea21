import { SECURITY_FEED_CHANNEL, type Role } from '@portcullis/protocol'

/**
 * May a user subscribe to a channel? `public:*` any user, `admin:*` role admin, `user:<id>` (an inbox) only that
 * user. The channel's syntax is already checked by the protocol schema; anything else is refused.
 */
export function canSubscribe(channel: string, userId: string, roles: readonly Role[]): boolean {
  if (channel.startsWith('user:')) return channel.slice(5) === userId
  return canUseShared(channel, roles)
}

/**
 * May a user publish to a channel? As `canSubscribe`, except that `user:<id>` is an inbox: any authenticated user
 * may write to it (the server sets `from`, so the owner always sees who wrote), and that nobody may write to the
 * security feed (`admin:security`): only the servers publish there, so admins can trust every entry on it.
 */
export function canPublish(channel: string, _userId: string, roles: readonly Role[]): boolean {
  if (channel.startsWith('user:')) return true
  if (channel === SECURITY_FEED_CHANNEL) return false
  return canUseShared(channel, roles)
}

function canUseShared(channel: string, roles: readonly Role[]): boolean {
  if (channel.startsWith('public:')) return true
  if (channel.startsWith('admin:')) return roles.includes('admin')
  return false
}
