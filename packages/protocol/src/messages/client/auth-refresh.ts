import { Type, type Static } from 'typebox'
import { closed, RequestId } from '../common.ts'

/**
 * Hand the live socket a fresh access token of the same user and session, moving its expiry;
 * answered by `auth.refreshed`. Any other token closes the socket with 4401 `token_invalid`.
 */
export const AuthRefreshSchema = Type.Object(
  {
    type: Type.Literal('auth.refresh', { description: 'Message type.' }),
    id: RequestId,
    accessToken: Type.String({
      minLength: 1,
      maxLength: 8192,
      description: 'A new access token (JWT) for the same user and session.',
    }),
  },
  { ...closed, $id: 'auth.refresh', description: 'Client → server: refresh the token of a live socket.' },
)
export type AuthRefresh = Static<typeof AuthRefreshSchema>
