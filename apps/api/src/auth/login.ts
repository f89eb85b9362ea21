import type { FastifyInstance, FastifyRequest } from 'fastify'
import { InvalidCredentials, LoginThrottled } from '../errors.ts'
import { apiEvent } from '../security-events.ts'
import { openSession, type TokenPair } from './session-service.ts'

/**
 * Password login. Order: per-username throttle (counts this attempt) → argon2id verify (a dummy hash for
 * unknown users: same work, same answer) → session. Unknown user and wrong password are indistinguishable
 * to the client; the log keeps the distinction (`reason`).
 */
export async function login(
  app: FastifyInstance,
  req: FastifyRequest,
  username: string,
  password: string,
): Promise<TokenPair> {
  const throttle = await app.loginThrottle.attempt(username)
  if (!throttle.allowed) {
    apiEvent(req.log, 'auth.login.throttled', { reason: 'username', ip: req.ip, level: 'warn' })
    throw Object.assign(new LoginThrottled(throttle.retryAfterS), { retryAfterS: throttle.retryAfterS })
  }
  const user = app.users.byUsername(username)
  const ok = await app.hasher.verify(user?.passwordHash ?? null, password)
  if (!user || !ok) {
    apiEvent(req.log, 'auth.login.failed', {
      reason: user ? 'bad_password' : 'unknown_user',
      ip: req.ip,
      userId: user?.id,
      level: 'warn',
    })
    throw new InvalidCredentials()
  }
  await app.loginThrottle.reset(username)
  const result = await openSession(app, user)
  apiEvent(req.log, 'auth.login.succeeded', { ip: req.ip, userId: user.id, sessionId: result.sessionId })
  return result
}
