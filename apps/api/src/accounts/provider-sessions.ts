import { hashSecret } from '@portcullis/sessions'
import { keys as keyLayout, type Keys, type RedisClient } from '@portcullis/sessions/redis'
import { storeCall } from '../store-guard.ts'

/**
 * What the api keeps in Redis about identity-provider tokens, shared by every api instance:
 * - which Portcullis sessions an exchange opened under a provider session (`iss` + `sid`), so a back-channel
 *   logout naming that `sid` revokes exactly them;
 * - which provider tokens were already used (a subject token is exchanged once; a logout token's `jti` is
 *   accepted once), each kept until the token's own `exp` — after that it is refused as expired anyway.
 * Every call fails as `StoreUnavailable` (503) when Redis is unreachable.
 */
export class ProviderSessions {
  readonly #redis: RedisClient
  readonly #keys: Keys

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis
    this.#keys = keyLayout(prefix)
  }

  #sessionsKey(issuer: string, sid: string): string {
    return this.#keys.providerSessions(hashSecret(`${issuer}\n${sid}`))
  }

  /** Records that Portcullis session `portcullisSid` (ending at `endsAt`, epoch ms) belongs to the provider's `sid`. */
  async link(issuer: string, sid: string, portcullisSid: string, endsAt: number): Promise<void> {
    const key = this.#sessionsKey(issuer, sid)
    // Every session lives SESSION_MAX_AGE_S from its creation, so the newest one ends last: its end is the set's.
    await storeCall(() => this.#redis.multi().sAdd(key, portcullisSid).pExpireAt(key, endsAt).exec())
  }

  /** The Portcullis sessions of the provider's `sid`, forgetting them. */
  async take(issuer: string, sid: string): Promise<string[]> {
    const key = this.#sessionsKey(issuer, sid)
    const [members] = await storeCall(() => this.#redis.multi().sMembers(key).del(key).exec())
    return Array.isArray(members) ? (members as string[]) : []
  }

  /**
   * True the first time `id` (a token hash or `jti`) of `kind` is seen; false for a replay. Remembered until
   * `expS` (epoch seconds, the token's `exp`) plus a minute of margin.
   */
  async firstUse(kind: 'subject' | 'logout', id: string, expS: number): Promise<boolean> {
    const key = this.#keys.providerTokenSeen(kind, hashSecret(id))
    const until = Math.max(Date.now() + 1000, (expS + 60) * 1000)
    const set = await storeCall(() =>
      this.#redis.set(key, '1', { condition: 'NX', expiration: { type: 'PXAT', value: Math.floor(until) } }),
    )
    return set === 'OK'
  }
}
