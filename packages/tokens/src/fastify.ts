/**
 * `@portcullis/tokens/fastify`: the `@fastify/jwt` registration options built from a `TokenVerifier`, so that
 * `request.jwtVerify()` runs the same checks, in the same order, with the same fast-jwt options as
 * `verifier.verify()` (decision 0820).
 */
import type { FastifyJWTOptions } from '@fastify/jwt'
import type { FastifyRequest } from 'fastify'
import { bearerToken } from './bearer.ts'
import type { AccessClaims } from './claims.ts'
import { TokenRefusedError } from './failures.ts'
import { signerOptions, type TokenIssuer } from './issuer.ts'
import { TokensOptionsError } from './options-error.ts'
import {
  admit,
  decodeToken,
  toVerifiedToken,
  type DecodedToken,
  type TokenVerifier,
  type VerifiedToken,
} from './verifier.ts'

declare module '@fastify/jwt' {
  interface FastifyJWT {
    /** What `reply.jwtSign` / `fastify.jwt.sign` sign: `issuer.claims(...)`. */
    payload: AccessClaims
    /** `request.user` after `request.jwtVerify()`. */
    user: VerifiedToken
  }
}

export interface FastifyJwtOptionsInput {
  /** Sign with this issuer's key (`fastify.jwt.sign(issuer.claims(...))`). Omit in verify-only services. */
  issuer?: TokenIssuer
  /**
   * The request's credential, or undefined when it has none (→ 401 `missing`). Default: the
   * `Authorization: Bearer` header. Realtime passes its own (ticket-less upgrade credentials).
   */
  extractToken?: (request: FastifyRequest) => string | undefined
  /**
   * Runs after the token verified: return false to refuse it (401, failure `untrusted`), e.g. when its session
   * is revoked. What it throws reaches your error handler unchanged (a store outage → your 503).
   */
  trusted?: (request: FastifyRequest, token: VerifiedToken) => boolean | Promise<boolean>
}

/**
 * Options for `app.register(fastifyJwt, ...)`: keys resolved by `kid` through the verifier's key source (with
 * the header and claim pre-checks of `verifier.verify`), fast-jwt checks from `verifier.fastJwtOptions`,
 * `request.user` = `{ claims, kid }`. Refusals reject `request.jwtVerify()` with an error that
 * `tokenFailureOf` maps back to the same failure `verifier.verify` returns. Outside a request (a WebSocket
 * `auth.refresh`), call `verifier.verify` — never `fastify.jwt.verify`, which cannot resolve keys by `kid`.
 * @example
 * await app.register(fastifyJwt, fastifyJwtOptions(verifier, { issuer, trusted: sessionIsLive }))
 * app.addHook('preValidation', async (request) => { await request.jwtVerify() })
 */
export function fastifyJwtOptions(
  verifier: TokenVerifier,
  options: FastifyJwtOptionsInput = {},
): FastifyJWTOptions {
  if (typeof verifier?.verify !== 'function' || !verifier.fastJwtOptions)
    throw new TokensOptionsError('verifier', 'a TokenVerifier from createVerifier()')
  const { issuer, trusted } = options
  const extract =
    options.extractToken ?? ((request: FastifyRequest) => bearerToken(request.headers.authorization))

  async function publicKeyFor(_request: FastifyRequest, decoded: unknown): Promise<string> {
    // fast-jwt calls a key function as (decoded, callback) when `fastify.jwt.verify()` is used without a request.
    if (typeof decoded === 'function')
      throw new TypeError('fastify.jwt.verify() cannot resolve keys by kid: use verifier.verify(token)')
    const key = await admit(decoded as DecodedToken, verifier)
    if (typeof key === 'string') throw new TokenRefusedError(key)
    return key.publicPem
  }

  // The same signer options `createIssuer` signs with, the private key passed as @fastify/jwt's secret.
  const signing = issuer ? signerOptions(issuer.key) : undefined
  return {
    secret: signing ? { private: signing.key, public: publicKeyFor } : { public: publicKeyFor },
    // The key callback needs the header (`kid`, `alg`).
    decode: { complete: true },
    ...(signing ? { sign: { algorithm: signing.algorithm, kid: signing.kid } } : {}),
    verify: {
      ...verifier.fastJwtOptions,
      extractToken(request: FastifyRequest): string {
        const token = extract(request)
        if (token === undefined) throw new TokenRefusedError('missing')
        // Checked here so that @fastify/jwt's own decode never fails: its error for that is the same one it
        // uses for a bad signature, and the two must stay apart.
        if (decodeToken(token) === 'malformed') throw new TokenRefusedError('malformed')
        return token
      },
    },
    formatUser: (decoded) => toVerifiedToken(decoded as unknown as DecodedToken),
    ...(trusted
      ? { trusted: (request, decoded) => trusted(request, toVerifiedToken(decoded as DecodedToken)) }
      : {}),
  }
}
