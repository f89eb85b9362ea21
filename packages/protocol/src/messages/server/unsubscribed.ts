import { Type, type Static } from 'typebox'
import { Channel, closed, RequestId } from '../common.ts'

/**
 * Reply to `unsubscribe` (with `id`, reason `requested`), or a push without `id` (reason `forbidden`)
 * when a role change takes the channel away.
 */
export const UnsubscribedSchema = Type.Object(
  {
    type: Type.Literal('unsubscribed', { description: 'Message type.' }),
    id: Type.Optional(RequestId),
    channel: Channel,
    reason: Type.Union([Type.Literal('requested'), Type.Literal('forbidden')], {
      description: '`requested` by the client, or `forbidden` after a role change.',
    }),
  },
  { ...closed, $id: 'unsubscribed', description: 'Server → client: the socket left a channel.' },
)
export type Unsubscribed = Static<typeof UnsubscribedSchema>
