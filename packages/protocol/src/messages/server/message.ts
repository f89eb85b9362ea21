import { Type, type Static } from 'typebox'
import { Channel, closed, EpochMs, MessageId, Text } from '../common.ts'
import { USER_ID_PATTERN } from '../../limits.ts'

/** A publish delivered to a subscriber. `from`, `messageId` and `ts` are set by the server, never by the sender. */
export const ChannelMessageSchema = Type.Object(
  {
    type: Type.Literal('message', { description: 'Message type.' }),
    channel: Channel,
    messageId: MessageId,
    from: Type.Object(
      {
        id: Type.String({ pattern: `^${USER_ID_PATTERN}$`, description: 'Sender user id.' }),
        username: Type.String({ minLength: 1, maxLength: 64, description: 'Sender login name.' }),
      },
      { ...closed, description: 'The authenticated sender.' },
    ),
    text: Text,
    ts: { ...EpochMs, description: 'Server time of the publish (epoch ms).' },
  },
  { ...closed, $id: 'message', description: 'Server → client push: a message on a subscribed channel.' },
)
export type ChannelMessage = Static<typeof ChannelMessageSchema>
