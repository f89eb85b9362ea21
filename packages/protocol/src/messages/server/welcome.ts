import { Type, type Static } from 'typebox'
import { closed, EpochMs, Roles } from '../common.ts'
import { USER_ID_PATTERN } from '../../limits.ts'

export const UserInfoSchema = Type.Object(
  {
    id: Type.String({ pattern: `^${USER_ID_PATTERN}$`, description: 'User id (the token `sub`).' }),
    username: Type.String({ minLength: 1, maxLength: 64, description: 'Login name.' }),
    roles: Roles,
  },
  { ...closed, description: 'The authenticated user and the current roles from the session store.' },
)

export const LimitsSchema = Type.Object(
  {
    maxMessageBytes: Type.Integer({ minimum: 1, description: 'Largest frame the server accepts (bytes).' }),
    msgRatePerS: Type.Number({ exclusiveMinimum: 0, description: 'Sustained messages per second.' }),
    msgBurst: Type.Integer({ minimum: 1, description: 'Burst size of the message token bucket.' }),
    idleTimeoutMs: Type.Integer({
      minimum: 0,
      description: 'Close after this long without a client frame (ms).',
    }),
  },
  { ...closed, description: 'Limits the server enforces on this socket.' },
)

/** First message on every socket, sent right after the upgrade. */
export const WelcomeSchema = Type.Object(
  {
    type: Type.Literal('welcome', { description: 'Message type.' }),
    connectionId: Type.String({ minLength: 1, maxLength: 64, description: 'Server id of this connection.' }),
    user: UserInfoSchema,
    expiresAt: { ...EpochMs, description: 'When the socket closes with 4401 unless refreshed (epoch ms).' },
    limits: LimitsSchema,
  },
  { ...closed, $id: 'welcome', description: 'Server → client push: the connection is authenticated.' },
)
export type Welcome = Static<typeof WelcomeSchema>
