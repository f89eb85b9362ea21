import { Type, type Static } from 'typebox'
import { closed, RequestId } from '../common.ts'

/** Liveness check at the application level; answered by `pong` with the same `id`. */
export const PingSchema = Type.Object(
  {
    type: Type.Literal('ping', { description: 'Message type.' }),
    id: RequestId,
  },
  { ...closed, $id: 'ping', description: 'Client → server: application ping.' },
)
export type Ping = Static<typeof PingSchema>
