import type { Role } from '@portcullis/protocol'
import { hashSecret } from '@portcullis/sessions'
import { SessionEndedError } from '@portcullis/tokens'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { InvalidRefreshToken, SessionExpired } from '../errors.ts'
import { apiEvent } from '../security-events.ts'
import { newRefreshToken, newSessionId, refreshTokenSid } from '../tokens/secrets.ts'
import type { UserRecord } from '../users/directory.ts'
import { PROVIDER_ACCOUNT_PREFIX } from '../users/users-file.ts'

/** The body of a successful login or refresh (docs/reference/http-api.md). */
export interface TokenPair {
  accessToken: string
  refreshToken: string
  tokenType: 'Bearer'
  expiresIn: number
  sessionId: string
  user: { id: string; username: string; roles: Role[] }
}

/**
 * Whether a session's account may go on: accounts of the identity provider always (the provider ends them with a
 * back-channel logout), password accounts while the directory holds them enabled.
 */
export function accountActive(app: FastifyInstance, userId: string): boolean {
  if (userId.startsWith(PROVIDER_ACCOUNT_PREFIX)) return true
  const user = app.users.byId(userId)
  return user !== undefined && !user.disabled
}

/**
 * Whether the api knows the account: a password account of the directory, or an account of the identity provider
 * that exchanged at least once (its roles exist in the store). The admin routes answer 404 for anything else.
 */
export async function accountExists(app: FastifyInstance, userId: string): Promise<boolean> {
  if (app.users.byId(userId)) return true
  return userId.startsWith(PROVIDER_ACCOUNT_PREFIX) && (await app.store.getRoles(userId)) !== null
}

/** The user's current roles; seeds them (no event) from the directory the first time the store has none. */
export async function currentRoles(app: FastifyInstance, userId: string, seed: Role[] = []): Promise<Role[]> {
  return await app.store.ensureRoles(userId, seed)
}

/**
 * A token pair, signed through @fastify/jwt. The access token never outlives the session (`exp` ≤ `endsAt`);
 * `expiresIn` says its real life. A session with less than a second left gets 401 `session_expired`.
 */
function pair(
  app: FastifyInstance,
  user: TokenPair['user'],
  sid: string,
  refreshToken: string,
  endsAt: number,
): TokenPair {
  let claims
  try {
    claims = app.tokens.issuer.claims({ sub: user.id, sid, roles: user.roles, endsAt })
  } catch (err) {
    if (err instanceof SessionEndedError) throw new SessionExpired()
    throw err
  }
  return {
    accessToken: app.jwt.sign(claims),
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: Math.max(0, claims.exp - claims.iat),
    sessionId: sid,
    user,
  }
}

/**
 * Opens a session for an authenticated user (a password account, or one of the identity provider): session
 * record (it ends for good SESSION_MAX_AGE_S from now), first refresh token, access token.
 */
export async function openSession(
  app: FastifyInstance,
  user: Pick<UserRecord, 'id' | 'username' | 'initialRoles'>,
): Promise<TokenPair> {
  const now = app.now()
  const sid = newSessionId()
  const roles = await currentRoles(app, user.id, user.initialRoles)
  const endsAt = now + app.config.SESSION_MAX_AGE_S * 1000
  await app.store.createSession({
    sid,
    userId: user.id,
    username: user.username,
    createdAt: now,
    expiresAt: Math.min(now + app.config.REFRESH_TOKEN_TTL_S * 1000, endsAt),
    endsAt,
  })
  const refreshToken = newRefreshToken(sid)
  await app.store.saveRefresh(sid, hashSecret(refreshToken))
  return pair(app, { id: user.id, username: user.username, roles }, sid, refreshToken, endsAt)
}

/**
 * Spends a refresh token and returns a new pair. A spent token presented again revokes the whole session
 * (`auth.refresh.reused`); a token of a session past its `endsAt` gets 401 `session_expired`; unknown, expired
 * or revoked tokens get 401 `invalid_refresh_token`; past TICKET_RATE_PER_MIN refreshes of the session in a
 * minute, 429. The refresh window slides by REFRESH_TOKEN_TTL_S on each rotation, but never past `endsAt`.
 */
export async function rotateSession(
  app: FastifyInstance,
  req: FastifyRequest,
  token: string,
): Promise<TokenPair> {
  const sid = refreshTokenSid(token)
  await app.sessionQuota.check(req, 'refresh', sid)
  const next = newRefreshToken(sid)
  const expiresAt = app.now() + app.config.REFRESH_TOKEN_TTL_S * 1000
  const result = await app.store.rotateRefresh(sid, hashSecret(token), hashSecret(next), expiresAt)
  if (result === 'ended') {
    apiEvent(req.log, 'auth.refresh.failed', {
      reason: 'session_expired',
      ip: req.ip,
      sessionId: sid,
      level: 'warn',
    })
    throw new SessionExpired()
  }
  if (result === 'reused') {
    apiEvent(req.log, 'auth.refresh.reused', {
      reason: 'spent_token_reused',
      ip: req.ip,
      sessionId: sid,
      level: 'warn',
    })
    apiEvent(req.log, 'session.revoked', {
      reason: 'refresh_reused',
      ip: req.ip,
      sessionId: sid,
      level: 'warn',
    })
    throw new InvalidRefreshToken()
  }
  const session = result === 'rotated' ? await app.store.getSession(sid) : null
  if (!session) {
    apiEvent(req.log, 'auth.refresh.failed', { reason: 'unknown_token', ip: req.ip, level: 'warn' })
    throw new InvalidRefreshToken()
  }
  if (!accountActive(app, session.userId)) {
    // Disabled or removed while the api was not watching (or its revocation failed): end the session now.
    await app.store.revokeSession(sid, 'account_disabled')
    apiEvent(req.log, 'auth.refresh.failed', {
      reason: 'account_disabled',
      ip: req.ip,
      userId: session.userId,
      sessionId: sid,
      level: 'warn',
    })
    apiEvent(req.log, 'session.revoked', {
      reason: 'account_disabled',
      ip: req.ip,
      userId: session.userId,
      sessionId: sid,
    })
    throw new InvalidRefreshToken()
  }
  await app.sessionQuota.count('refresh', sid)
  const roles = await currentRoles(app, session.userId)
  apiEvent(req.log, 'auth.refresh.succeeded', { ip: req.ip, userId: session.userId, sessionId: sid })
  return pair(app, { id: session.userId, username: session.username, roles }, sid, next, session.endsAt)
}
