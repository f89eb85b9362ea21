/**
 * The credential of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 6750 §2.1), or
 * undefined when there is no such header (absent, or another scheme). Whatever follows `Bearer` is returned as
 * is: a malformed value is for the verifier to refuse (`malformed`), so both cases stay distinguishable.
 * @example const token = bearerToken(req.headers.authorization)
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined
  const match = /^Bearer(?: +(.*))?$/i.exec(authorization)
  return match ? (match[1] ?? '').trim() : undefined
}
