import { ROLES, USER_ID_PATTERN } from '@portcullis/protocol'
import { Type, type Static } from 'typebox'
import { Compile } from 'typebox/compile'

const NumericDate = (description: string) =>
  Type.Number({ minimum: 0, description: `${description}, seconds since the epoch (RFC 7519 NumericDate).` })

const Audience = Type.String({ minLength: 1, maxLength: 256 })

/**
 * The claims of a Portcullis access token (docs/reference/http-api.md, "Access tokens"). Unknown claims are allowed (RFC 7519 §4:
 * ignore what you do not understand) and dropped from the verified result.
 * @example Compile(AccessClaimsSchema).Check(payload)
 */
export const AccessClaimsSchema = Type.Object({
  iss: Type.String({ minLength: 1, maxLength: 256, description: "Issuer: the api's `JWT_ISSUER`." }),
  aud: Type.Union([Audience, Type.Array(Audience, { minItems: 1, maxItems: 8 })], {
    description: "Audience: the api's `JWT_AUDIENCE` (a list is allowed by RFC 7519; one entry must match).",
  }),
  sub: Type.String({ pattern: `^${USER_ID_PATTERN}$`, description: 'The user id.' }),
  sid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$', description: 'The session id.' }),
  roles: Type.Array(Type.Enum(ROLES), {
    maxItems: 8,
    description: "The user's roles when the token was issued: informational; the session store governs.",
  }),
  iat: NumericDate('Issued at'),
  nbf: NumericDate('Not before'),
  exp: NumericDate('Expires'),
  jti: Type.String({ minLength: 1, maxLength: 128, description: 'Unique token id.' }),
})

/** Verified access-token claims. Times are epoch SECONDS, as JWT requires (the wire elsewhere uses ms). */
export type AccessClaims = Static<typeof AccessClaimsSchema>

const checker = Compile(AccessClaimsSchema)

/** Whether `payload` has every claim, each of the right type and shape. */
export function hasClaimShape(payload: unknown): payload is AccessClaims {
  return checker.Check(payload)
}

/** The contract's claims of a checked payload, without any other member. */
export function pickClaims(p: AccessClaims): AccessClaims {
  return {
    iss: p.iss,
    aud: p.aud,
    sub: p.sub,
    sid: p.sid,
    roles: p.roles,
    iat: p.iat,
    nbf: p.nbf,
    exp: p.exp,
    jti: p.jti,
  }
}
