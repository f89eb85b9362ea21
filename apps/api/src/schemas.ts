import { RoleSchema } from '@portcullis/protocol'
import { MAX_SESSION_PAGE, SESSION_CURSOR_PATTERN } from '@portcullis/sessions'
import { Type } from 'typebox'
import { REFRESH_TOKEN_PATTERN } from './tokens/secrets.ts'

/** Route schemas (TypeBox): request validation, response serialization and the OpenAPI document. */

export const ErrorSchema = Type.Object(
  {
    error: Type.String({ description: 'stable lowercase code, e.g. `invalid_credentials`' }),
    message: Type.String({ description: 'human-readable; never a stack trace or secret' }),
  },
  { description: 'every error response' },
)

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  roles: Type.Array(RoleSchema, { description: 'current roles in the session store' }),
})

export const LoginBodySchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
)

export const ExchangeBodySchema = Type.Object(
  {
    subjectToken: Type.String({
      minLength: 1,
      maxLength: 12_288,
      description: "The identity provider's ID token (or JWT access token), compact JWS.",
    }),
    subjectTokenType: Type.Union(
      [
        Type.Literal('urn:ietf:params:oauth:token-type:id_token'),
        Type.Literal('urn:ietf:params:oauth:token-type:access_token'),
      ],
      { description: 'RFC 8693 token type of `subjectToken`.' },
    ),
    nonce: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'The `nonce` your authentication request carried: the ID token must hold exactly it.',
      }),
    ),
  },
  { additionalProperties: false },
)

export const LogoutTokenBodySchema = Type.Object({
  logout_token: Type.String({
    minLength: 1,
    maxLength: 12_288,
    description: 'The logout token (OpenID Connect Back-Channel Logout 1.0), compact JWS.',
  }),
})

export const RefreshBodySchema = Type.Object(
  { refreshToken: Type.String({ pattern: REFRESH_TOKEN_PATTERN, maxLength: 200 }) },
  { additionalProperties: false },
)

export const TokenPairSchema = Type.Object({
  accessToken: Type.String({ description: 'JWT (ES256/EdDSA, `kid` header)' }),
  refreshToken: Type.String({ description: 'opaque, single use: rotates on every refresh' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'access token lifetime, seconds' }),
  sessionId: Type.String(),
  user: UserSchema,
})

export const TicketSchema = Type.Object({
  ticket: Type.String({ description: 'opaque, single use, for `GET /v1/ws?ticket=`' }),
  expiresIn: Type.Integer({ description: 'seconds' }),
})

export const RolesBodySchema = Type.Object(
  { roles: Type.Array(RoleSchema, { maxItems: 2, uniqueItems: true }) },
  { additionalProperties: false },
)

export const RolesResultSchema = Type.Object({ userId: Type.String(), roles: Type.Array(RoleSchema) })

const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' })
export const UserParamsSchema = Type.Object({ userId: Id })
export const SessionParamsSchema = Type.Object({ sessionId: Id })

const PageLimit = Type.Integer({
  minimum: 1,
  maximum: MAX_SESSION_PAGE,
  description: `items per page (default 50, at most ${MAX_SESSION_PAGE})`,
})
const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'pass as `cursor` for the next page; null on the last page',
})

export const SessionListQuerySchema = Type.Object(
  {
    userId: Type.Optional({ ...Id, description: "only this user's sessions" }),
    cursor: Type.Optional(
      Type.String({ pattern: SESSION_CURSOR_PATTERN, description: '`nextCursor` of the previous page' }),
    ),
    limit: Type.Optional(PageLimit),
  },
  { additionalProperties: false },
)

export const SessionListSchema = Type.Object({
  sessions: Type.Array(
    Type.Object({
      sessionId: Type.String(),
      user: UserSchema,
      createdAt: Type.Integer({ description: 'login time (epoch ms)' }),
      refreshedAt: Type.Integer({ description: 'login or latest refresh (epoch ms)' }),
      connections: Type.Integer({ description: 'live WebSocket connections on every realtime instance' }),
    }),
    { description: 'live sessions, newest first' },
  ),
  nextCursor: NextCursor,
})

export const UserListQuerySchema = Type.Object(
  {
    cursor: Type.Optional({ ...Id, description: '`nextCursor` of the previous page' }),
    limit: Type.Optional(PageLimit),
  },
  { additionalProperties: false },
)

export const UserListSchema = Type.Object({
  users: Type.Array(
    Type.Object({
      id: Type.String(),
      username: Type.String(),
      roles: Type.Array(RoleSchema, {
        description: 'current roles in the session store (the initial roles until the first login)',
      }),
    }),
    { description: 'accounts of the user directory, by id' },
  ),
  nextCursor: NextCursor,
})

/** Error responses for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, typeof ErrorSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorSchema]))
}
