import { verify as cryptoVerify } from 'node:crypto'
import { USER_ID_PATTERN } from '@portcullis/protocol'
import type { JwksCache } from './jwks.ts'

/** What the realtime server uses from a verified access token. */
export interface AccessClaims {
  sub: string
  sid: string
  /** Seconds since the epoch. */
  exp: number
  jti?: string
}

/** Why a token was refused (log only; clients see `invalid_token` or `token_expired`). */
export type TokenFailure =
  | 'malformed'
  | 'algorithm'
  | 'crit'
  | 'unknown_kid'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'claims'
  | 'expired'
  | 'not_yet_valid'

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: TokenFailure }

export interface VerifyOptions {
  issuer: string
  audience: string
  /** Allowed skew on `nbf` / `iat`, seconds (≤ 60). */
  skewS: number
  /** Allowed leeway after `exp`, seconds (≤ 5). */
  expLeewayS: number
  /** Clock, epoch ms. */
  now?: () => number
}

const MAX_TOKEN_LENGTH = 8192
const B64URL = /^[A-Za-z0-9_-]+$/
const USER_ID = new RegExp(`^${USER_ID_PATTERN}$`)

function decodeJson(part: string): Record<string, unknown> | null {
  if (!B64URL.test(part)) return null
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

const fail = (reason: TokenFailure): VerifyResult => ({ ok: false, reason })

/**
 * Verifies a compact JWS access token synchronously against cached keys: `alg` pinned to ES256/EdDSA and to the
 * key's own algorithm (no `none`, no HMAC, no confusion), `kid` required and known, `crit` refused, `exp`
 * required, `iss`/`aud` exact, `nbf`/`iat` within `skewS`, `exp` within `expLeewayS`.
 * An `unknown_kid` result means: refresh the JWKS (rate-limited) and try once more.
 */
export function verifyAccessToken(token: string, keys: JwksCache, options: VerifyOptions): VerifyResult {
  if (token.length > MAX_TOKEN_LENGTH) return fail('malformed')
  const parts = token.split('.')
  if (parts.length !== 3) return fail('malformed')
  const [h, p, s] = parts as [string, string, string]
  const header = decodeJson(h)
  if (!header) return fail('malformed')
  if (header.alg !== 'ES256' && header.alg !== 'EdDSA') return fail('algorithm')
  if (header.crit !== undefined) return fail('crit')
  if (typeof header.kid !== 'string') return fail('unknown_kid')
  const key = keys.get(header.kid)
  if (!key) return fail('unknown_kid')
  if (key.alg !== header.alg) return fail('algorithm')
  if (!B64URL.test(s)) return fail('malformed')
  const signature = Buffer.from(s, 'base64url')
  const data = Buffer.from(`${h}.${p}`)
  let valid: boolean
  try {
    valid =
      key.alg === 'ES256'
        ? signature.length === 64 &&
          cryptoVerify('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature)
        : cryptoVerify(null, data, key.key, signature)
  } catch {
    valid = false
  }
  if (!valid) return fail('signature')

  const claims = decodeJson(p)
  if (!claims) return fail('malformed')
  if (claims.iss !== options.issuer) return fail('issuer')
  const aud = claims.aud
  if (!(aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience))))
    return fail('audience')
  const { sub, sid, exp, nbf, iat, jti } = claims
  if (typeof sub !== 'string' || !USER_ID.test(sub)) return fail('claims')
  if (typeof sid !== 'string' || sid.length === 0 || sid.length > 128) return fail('claims')
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return fail('claims')
  if (nbf !== undefined && typeof nbf !== 'number') return fail('claims')
  if (iat !== undefined && typeof iat !== 'number') return fail('claims')
  const nowS = (options.now?.() ?? Date.now()) / 1000
  if (nowS > exp + options.expLeewayS) return fail('expired')
  if (typeof nbf === 'number' && nbf > nowS + options.skewS) return fail('not_yet_valid')
  if (typeof iat === 'number' && iat > nowS + options.skewS) return fail('not_yet_valid')
  const out: AccessClaims = { sub, sid, exp }
  if (typeof jti === 'string') out.jti = jti
  return { ok: true, claims: out }
}

/** `verifyAccessToken`, refreshing the JWKS once (rate-limited, single-flight) on an unknown `kid`. */
export async function verifyWithRefresh(
  token: string,
  keys: JwksCache,
  options: VerifyOptions,
): Promise<VerifyResult> {
  const first = verifyAccessToken(token, keys, options)
  if (first.ok || first.reason !== 'unknown_kid') return first
  await keys.refresh()
  return verifyAccessToken(token, keys, options)
}
