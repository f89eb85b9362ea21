import { Type, type Static } from 'typebox'
import { closed, RequestId } from '../common.ts'

export const PongSchema = Type.Object(
  {
    type: Type.Literal('pong', { description: 'Message type.' }),
    id: RequestId,
  },
  { ...closed, $id: 'pong', description: 'Server → client: reply to `ping`.' },
)
export type Pong = Static<typeof PongSchema>
