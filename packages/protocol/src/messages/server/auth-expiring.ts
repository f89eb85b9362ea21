import { Type, type Static } from 'typebox'
import { closed, EpochMs } from '../common.ts'

export const AuthExpiringSchema = Type.Object(
  {
    type: Type.Literal('auth.expiring', { description: 'Message type.' }),
    expiresAt: { ...EpochMs, description: 'When the socket closes with 4401 `token_expired` (epoch ms).' },
  },
  {
    ...closed,
    $id: 'auth.expiring',
    description: 'Server → client push: send `auth.refresh` before `expiresAt`.',
  },
)
export type AuthExpiring = Static<typeof AuthExpiringSchema>
