import { randomBytes } from 'node:crypto'
import { hashSecret } from '@portcullis/sessions'
import type { RedisSessionStore } from '@portcullis/sessions/redis'

/** The api's refresh and login replies: a rotated token pair. */
interface TokenReply {
  accessToken: string
  refreshToken: string
  expiresIn: number
  sessionId: string
}

/** One session of a soak user: its rotating refresh token and the latest access token (the SDK holds the rest). */
export interface Identity {
  readonly userId: string
  readonly sid: string
  refreshToken: string
  accessToken: string
  /** Set when the soak revoked it: the token provider then ends the session instead of refreshing. */
  revoked: boolean
}

/**
 * Sessions for the soak's synthetic users. A session is opened in the store exactly as the api's login opens one
 * (record, hashed refresh token `<sid>.<secret>`, roles): 10 000 password logins would measure argon2id, not the
 * platform. Every token after that comes from the REAL api: the first access token is a refresh, every later one
 * too (rotation, quotas, reuse detection all apply), and revocation is the api's logout.
 */
export class Identities {
  readonly #store: RedisSessionStore
  readonly #apiUrl: () => string
  /** Absolute session lifetime and refresh window, ms (the api's defaults). */
  readonly #maxAgeMs = 7 * 24 * 3600 * 1000
  readonly #refreshTtlMs = 24 * 3600 * 1000

  constructor(store: RedisSessionStore, apiUrl: () => string) {
    this.#store = store
    this.#apiUrl = apiUrl
  }

  /** Opens a session of `userId` in the store and gets its first access token from the api. */
  async open(userId: string): Promise<Identity> {
    const sid = randomBytes(16).toString('base64url')
    const refreshToken = `${sid}.${randomBytes(32).toString('base64url')}`
    const now = Date.now()
    await this.#store.ensureRoles(userId, ['user'])
    await this.#store.createSession({
      sid,
      userId,
      username: userId,
      createdAt: now,
      expiresAt: now + this.#refreshTtlMs,
      endsAt: now + this.#maxAgeMs,
    })
    await this.#store.saveRefresh(sid, hashSecret(refreshToken))
    const identity: Identity = { userId, sid, refreshToken, accessToken: '', revoked: false }
    await this.refresh(identity)
    return identity
  }

  /** `POST /v1/auth/refresh`: rotates the refresh token; rejects with the HTTP status on a refusal. */
  async refresh(identity: Identity): Promise<{ accessToken: string; expiresIn: number }> {
    const res = await fetch(`${this.#apiUrl()}/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: identity.refreshToken }),
      signal: AbortSignal.timeout(10_000),
    })
    const body = (await res.json().catch(() => ({}))) as Partial<TokenReply>
    if (res.status !== 200 || !body.accessToken || !body.refreshToken)
      throw Object.assign(new Error(`refresh: HTTP ${res.status}`), { status: res.status })
    identity.refreshToken = body.refreshToken
    identity.accessToken = body.accessToken
    return { accessToken: body.accessToken, expiresIn: body.expiresIn ?? 300 }
  }

  /** `POST /v1/auth/logout` with the session's access token: resolves true on 204. */
  async logout(identity: Identity): Promise<boolean> {
    const res = await fetch(`${this.#apiUrl()}/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${identity.accessToken}` },
      signal: AbortSignal.timeout(10_000),
    }).catch(() => null)
    await res?.arrayBuffer().catch(() => {})
    return res?.status === 204
  }
}
