import type { FastifyInstance, FastifyRequest } from 'fastify'
import { InvalidCredentials, LoginBusy, LoginThrottled, withRetryAfter } from '../errors.ts'
import { apiEvent } from '../security-events.ts'
import { BulkheadFull } from '../users/bulkhead.ts'
import { openSession, type TokenPair } from './session-service.ts'

/** `Retry-After` of a login refused because every password-check slot is taken, seconds. */
export const LOGIN_BUSY_RETRY_AFTER_S = 1

/**
 * Password login. Order: throttle (counts this attempt per username and client, see `LoginThrottle`) → argon2id
 * verify in a bounded slot (a dummy hash for unknown users: same work, same answer; 503 at once when every slot
 * is taken) → session. Unknown user and wrong password are indistinguishable to the client; the log keeps the
 * distinction (`reason`). A disabled account (USERS_FILE) is refused like a wrong password, after the same work.
 */
export async function login(
  app: FastifyInstance,
  req: FastifyRequest,
  username: string,
  password: string,
): Promise<TokenPair> {
  const attempt = await app.loginThrottle.begin(username, req.ip)
  if (!attempt.allowed) {
    apiEvent(req.log, 'auth.login.throttled', { reason: attempt.reason, ip: req.ip, level: 'warn' })
    throw withRetryAfter(new LoginThrottled(attempt.retryAfterS), attempt.retryAfterS)
  }
  const user = app.users.byUsername(username)
  let ok: boolean
  try {
    ok = await app.hasher.verify(user?.passwordHash ?? null, password)
  } catch (err) {
    // Never checked: give the attempt back (best effort; a failed refund only leaves the count stricter).
    await attempt.cancel().catch(() => {})
    if (!(err instanceof BulkheadFull)) throw err
    apiEvent(req.log, 'auth.login.busy', { reason: 'password_checks_full', ip: req.ip, level: 'warn' })
    throw withRetryAfter(new LoginBusy(), LOGIN_BUSY_RETRY_AFTER_S)
  }
  if (!user || !ok || user.disabled) {
    apiEvent(req.log, 'auth.login.failed', {
      reason: !user ? 'unknown_user' : !ok ? 'bad_password' : 'account_disabled',
      ip: req.ip,
      userId: user?.id,
      level: 'warn',
    })
    throw new InvalidCredentials()
  }
  await attempt.succeeded()
  const result = await openSession(app, user)
  apiEvent(req.log, 'auth.login.succeeded', { ip: req.ip, userId: user.id, sessionId: result.sessionId })
  return result
}
