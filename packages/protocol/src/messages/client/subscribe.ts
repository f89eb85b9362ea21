import { Type, type Static } from 'typebox'
import { Channel, closed, RequestId } from '../common.ts'

/** Join a channel; answered by `subscribed` or an `error` (`forbidden`, …). */
export const SubscribeSchema = Type.Object(
  {
    type: Type.Literal('subscribe', { description: 'Message type.' }),
    id: RequestId,
    channel: Channel,
  },
  { ...closed, $id: 'subscribe', description: 'Client → server: subscribe to a channel.' },
)
export type Subscribe = Static<typeof SubscribeSchema>
