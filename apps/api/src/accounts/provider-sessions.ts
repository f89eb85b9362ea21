import { hashSecret } from '@portcullis/sessions'
import { keys as keyLayout, lua, type Keys, type RedisConnection } from '@portcullis/sessions/redis'

/** KEYS[1] a provider session's set. ARGV: Portcullis sid, end (ms). Adds the sid; the set lives to the newest end. */
const LINK = lua(
  'provider_link',
  `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`,
)

/** KEYS[1] a provider session's set. Returns its members and deletes it (one logout takes them once). */
const TAKE = lua(
  'provider_take',
  `
local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return members
`,
)

/** KEYS[1] a seen-token marker. ARGV: until (ms). 1 when it was not there (and now is), 0 for a replay. */
const FIRST_USE = lua(
  'provider_first_use',
  `
if redis.call('SET', KEYS[1], '1', 'NX', 'PXAT', ARGV[1]) then return 1 end
return 0
`,
)

/**
 * What the api keeps in Redis about identity-provider tokens, shared by every api instance:
 * - which Portcullis sessions an exchange opened under a provider session (`iss` + `sid`), so a back-channel
 *   logout naming that `sid` revokes exactly them;
 * - which provider tokens were already used (a subject token is exchanged once; a logout token's `jti` is
 *   accepted once), each kept until the token's own `exp` — after that it is refused as expired anyway.
 * Each call is one single-key script (cluster-safe); an unreachable Redis rejects with `StoreUnavailableError`,
 * which the error handler answers 503.
 */
export class ProviderSessions {
  readonly #redis: RedisConnection
  readonly #keys: Keys

  constructor(redis: RedisConnection, prefix: string) {
    this.#redis = redis
    this.#keys = keyLayout(prefix)
  }

  #sessionsKey(issuer: string, sid: string): string {
    return this.#keys.providerSessions(hashSecret(`${issuer}\n${sid}`))
  }

  /** Records that Portcullis session `portcullisSid` (ending at `endsAt`, epoch ms) belongs to the provider's `sid`. */
  async link(issuer: string, sid: string, portcullisSid: string, endsAt: number): Promise<void> {
    // Every session lives SESSION_MAX_AGE_S from its creation, so the newest one ends last: its end is the set's.
    await this.#redis.run(LINK, [this.#sessionsKey(issuer, sid)], [portcullisSid, Math.floor(endsAt)])
  }

  /** The Portcullis sessions of the provider's `sid`, forgetting them. */
  async take(issuer: string, sid: string): Promise<string[]> {
    const members = await this.#redis.run(TAKE, [this.#sessionsKey(issuer, sid)], [])
    return Array.isArray(members) ? (members as string[]) : []
  }

  /**
   * True the first time `id` (a token hash or `jti`) of `kind` is seen; false for a replay. Remembered until
   * `expS` (epoch seconds, the token's `exp`) plus a minute of margin.
   */
  async firstUse(kind: 'subject' | 'logout', id: string, expS: number): Promise<boolean> {
    const key = this.#keys.providerTokenSeen(kind, hashSecret(id))
    const until = Math.max(Date.now() + 1000, (expS + 60) * 1000)
    return (await this.#redis.run(FIRST_USE, [key], [Math.floor(until)])) === 1
  }
}
