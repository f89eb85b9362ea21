import { Type, type Static } from 'typebox'
import { Channel, closed, MessageId, RequestId } from '../common.ts'

export const PublishedSchema = Type.Object(
  {
    type: Type.Literal('published', { description: 'Message type.' }),
    id: RequestId,
    channel: Channel,
    messageId: MessageId,
  },
  { ...closed, $id: 'published', description: 'Server → client: reply to `publish`.' },
)
export type Published = Static<typeof PublishedSchema>
