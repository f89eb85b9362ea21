import { Type, type Static } from 'typebox'
import { closed, EpochMs, RequestId } from '../common.ts'

export const AuthRefreshedSchema = Type.Object(
  {
    type: Type.Literal('auth.refreshed', { description: 'Message type.' }),
    id: RequestId,
    expiresAt: { ...EpochMs, description: 'New expiry of the socket (epoch ms).' },
  },
  { ...closed, $id: 'auth.refreshed', description: 'Server → client: reply to `auth.refresh`.' },
)
export type AuthRefreshed = Static<typeof AuthRefreshedSchema>
