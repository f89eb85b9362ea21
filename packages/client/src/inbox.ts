import { USER_ID_PATTERN } from '@portcullis/protocol'

/** A user's inbox channel name. */
export type InboxChannel = `user:${string}`

const USER_ID = new RegExp(`^${USER_ID_PATTERN}$`)
const PREFIX = 'user:'

/**
 * The inbox channel of a user, `user:<userId>` (docs/reference/protocol.md): only that user may subscribe; any authenticated
 * user may publish to it, and the server stamps `from`, so a direct message cannot claim another sender.
 * Throws a `TypeError` for an id the protocol cannot name (`[A-Za-z0-9_-]{1,64}`).
 * @example await client.publish(inboxChannel(bobId), 'hi bob') // same as client.sendDirect(bobId, 'hi bob')
 */
export function inboxChannel(userId: string): InboxChannel {
  if (!USER_ID.test(userId)) throw new TypeError('inboxChannel: not a valid user id')
  return `${PREFIX}${userId}`
}

/**
 * The owner of an inbox channel, or `undefined` when the channel is not an inbox.
 * @example inboxOwner('user:u_bob') // 'u_bob'; inboxOwner('public:lobby') // undefined
 */
export function inboxOwner(channel: string): string | undefined {
  if (!channel.startsWith(PREFIX)) return undefined
  const id = channel.slice(PREFIX.length)
  return USER_ID.test(id) ? id : undefined
}
