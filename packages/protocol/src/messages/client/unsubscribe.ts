import { Type, type Static } from 'typebox'
import { Channel, closed, RequestId } from '../common.ts'

/** Leave a channel; answered by `unsubscribed {reason: "requested"}`. */
export const UnsubscribeSchema = Type.Object(
  {
    type: Type.Literal('unsubscribe', { description: 'Message type.' }),
    id: RequestId,
    channel: Channel,
  },
  { ...closed, $id: 'unsubscribe', description: 'Client → server: unsubscribe from a channel.' },
)
export type Unsubscribe = Static<typeof UnsubscribeSchema>
