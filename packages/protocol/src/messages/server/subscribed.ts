import { Type, type Static } from 'typebox'
import { Channel, closed, RequestId } from '../common.ts'

export const SubscribedSchema = Type.Object(
  {
    type: Type.Literal('subscribed', { description: 'Message type.' }),
    id: RequestId,
    channel: Channel,
  },
  { ...closed, $id: 'subscribed', description: 'Server → client: reply to `subscribe`.' },
)
export type Subscribed = Static<typeof SubscribedSchema>
