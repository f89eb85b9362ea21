import { Type, type Static } from 'typebox'
import { Channel, closed, RequestId, Text } from '../common.ts'

/** Send text to every subscriber of a channel, on every instance; answered by `published`. */
export const PublishSchema = Type.Object(
  {
    type: Type.Literal('publish', { description: 'Message type.' }),
    id: RequestId,
    channel: Channel,
    text: Text,
  },
  { ...closed, $id: 'publish', description: 'Client → server: publish text to a channel.' },
)
export type Publish = Static<typeof PublishSchema>
