import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connectRedis, RedisSessionStore, whenReady, type RedisTarget } from '@portcullis/sessions/redis'
import {
  createIssuer,
  generatePrivateJwk,
  jwksDocument,
  keySetFromJwks,
  type TokenIssuer,
} from '@portcullis/tokens'

/** Issuer and audience every server under test checks. */
export const ISSUER = 'portcullis-bench'
export const AUDIENCE = 'portcullis'

/** A session the bench created directly in the shared store, with an access token for it. */
export interface BenchSession {
  userId: string
  sid: string
  token: string
}

/** Token lifetime, seconds: one hour, longer than any bench run, so no socket meets `auth.expiring` mid-measurement. */
const TOKEN_TTL_S = 3600

/**
 * The bench's own token service: an ES256 key and the api's issuer from `@portcullis/tokens` (its JWKS served
 * to the realtime server and to Socket.IO, which verify with the same package), sessions and tickets written
 * straight into the session store through `@portcullis/sessions` — the same records the api writes — so tens
 * of thousands of credentials cost seconds, not logins. Tokens carry the documented claims and `kid`.
 */
export class Credentials {
  readonly #issuer: TokenIssuer
  readonly #jwks: string
  readonly #store: RedisSessionStore
  readonly #server: Server
  #seq = 0
  jwksUrl = ''

  private constructor(store: RedisSessionStore) {
    const keys = keySetFromJwks([{ ...generatePrivateJwk('ES256'), kid: 'bench-1' }])
    this.#issuer = createIssuer(keys, { issuer: ISSUER, audience: AUDIENCE, ttlS: TOKEN_TTL_S })
    this.#jwks = JSON.stringify(jwksDocument(keys))
    this.#store = store
    this.#server = createServer((req, res) => {
      if (req.url === '/.well-known/jwks.json') {
        res.setHeader('content-type', 'application/json')
        res.end(this.#jwks)
      } else {
        res.statusCode = 404
        res.end()
      }
    })
  }

  /** Connects to the store under `prefix` and starts the JWKS endpoint on loopback. */
  static async create(target: RedisTarget, prefix: string): Promise<Credentials> {
    const redis = connectRedis(target, {
      name: 'bench-credentials',
      commandTimeoutMs: 10_000,
      deadlineMs: 10_000,
    })
    if (!(await whenReady(redis, 10_000))) throw new Error('bench: Redis is not reachable')
    const creds = new Credentials(new RedisSessionStore({ redis, prefix, ownsRedis: true }))
    await new Promise<void>((resolve) => creds.#server.listen(0, '127.0.0.1', resolve))
    const { port } = creds.#server.address() as AddressInfo
    creds.jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`
    return creds
  }

  /** A signed access token for `userId`/`sid`. */
  token(userId: string, sid: string): string {
    return this.#issuer.issue({ sub: userId, sid, roles: ['user'] }).token
  }

  /** A token whose signature is broken: a credential every server must refuse (after a full verify). */
  badToken(): string {
    return `${this.token('nobody', 'none').slice(0, -4)}AAAA`
  }

  /** Creates `count` users, each with role `user` and one live session, and a token per session. */
  async sessions(count: number): Promise<BenchSession[]> {
    const out: BenchSession[] = []
    const now = Date.now()
    for (let i = 0; i < count; i += 500) {
      const batch = Array.from({ length: Math.min(500, count - i) }, () => {
        const n = ++this.#seq
        return { userId: `bench-u${n}`, sid: randomBytes(16).toString('base64url'), username: `bench${n}` }
      })
      await Promise.all(
        batch.map(async (b) => {
          await this.#store.setRoles(b.userId, ['user'])
          await this.#store.createSession({
            ...b,
            createdAt: now,
            expiresAt: now + 3_600_000,
            endsAt: now + 3_600_000,
          })
        }),
      )
      for (const b of batch) out.push({ userId: b.userId, sid: b.sid, token: this.token(b.userId, b.sid) })
    }
    return out
  }

  /** Mints `count` single-use tickets over `sessions` (round-robin), bound to `origin` (null: no Origin). */
  async tickets(sessions: BenchSession[], count: number, origin: string | null): Promise<string[]> {
    const tickets = Array.from({ length: count }, () => randomBytes(24).toString('base64url'))
    const accessExp = Date.now() + 3_600_000
    for (let i = 0; i < count; i += 1000) {
      await Promise.all(
        tickets.slice(i, i + 1000).map((ticket, j) => {
          const s = sessions[(i + j) % sessions.length] as BenchSession
          const grant = { sid: s.sid, userId: s.userId, origin, accessExp, traceparent: null }
          return this.#store.saveTicket(ticket, grant, 600)
        }),
      )
    }
    return tickets
  }

  async close(): Promise<void> {
    await this.#store.close()
    await new Promise((resolve) => this.#server.close(resolve))
  }
}
