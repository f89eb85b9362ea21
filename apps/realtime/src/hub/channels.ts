import type { Role } from '@portcullis/protocol'

/**
 * May a user subscribe or publish to a channel? `public:*` any user, `admin:*` role admin, `user:<id>` only that
 * user. The channel's syntax is already checked by the protocol schema; anything else is refused.
 */
export function canAccess(channel: string, userId: string, roles: readonly Role[]): boolean {
  if (channel.startsWith('public:')) return true
  if (channel.startsWith('admin:')) return roles.includes('admin')
  if (channel.startsWith('user:')) return channel.slice(5) === userId
  return false
}
