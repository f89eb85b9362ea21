import { randomUUID } from 'node:crypto'
import type { WebSocket } from 'ws'
import type { FastifyBaseLogger } from 'fastify'
import { CLOSE_CODES, type ClientMessage, type ClientMessageOf, type Role } from '@portcullis/protocol'
import type { ConnectionTelemetry } from '@portcullis/telemetry'
import { KEYS_UNAVAILABLE_RETRY_AFTER_S, type TokenVerifier } from '@portcullis/tokens'
import type { Principal } from '../auth/principal.ts'
import type { SessionRecord, SessionStore } from '@portcullis/sessions'
import { connectionLease } from '@portcullis/sessions/redis'
import type { RtStore } from '../limits/rt-store.ts'
import { UserBudget } from '../limits/user-budget.ts'
import { rtEvent } from '../security-events.ts'
import { Connection, type ConnectionLimits, type ConnectionOwner } from '../transport/connection.ts'
import { frames } from '../transport/frames.ts'
import { canPublish, canSubscribe } from './channels.ts'
import type { Broker, BrokerFactory } from './broker.ts'
import { addTo, MultiMap, removeFrom } from './multimap.ts'

export interface HubOptions {
  rtStore: RtStore
  /** The session store: `auth.refresh` re-checks the session and the user's roles there. */
  store: SessionStore
  /** The one token verifier (`auth.refresh`), over the JWKS source. */
  verifier: TokenVerifier
  limits: ConnectionLimits
  maxSubscriptions: number
  /** Builds the cross-instance fan-out around the hub's `deliver`. */
  broker: BrokerFactory
  /** Gives the user's connection slot back (Redis), called once per closed socket with `connectionLease(sid, id)`. */
  release: (userId: string, lease: string) => Promise<void>
  log: FastifyBaseLogger
}

/**
 * The connection registry and message dispatch of one instance (Centrifugo's "node"): connections by id, session
 * and user, local channel subscribers, cross-instance fan-out through its `Broker`.
 */
export class Hub implements ConnectionOwner {
  readonly connections = new Map<string, Connection>()
  readonly bySession = new MultiMap<string, Connection>()
  readonly byUser = new MultiMap<string, Connection>()
  readonly #channels = new Map<string, Set<Connection>>()
  readonly #budgets = new Map<string, UserBudget>()
  readonly #options: HubOptions
  readonly #broker: Broker
  /** Set on shutdown: no new sockets are admitted. */
  draining = false

  constructor(options: HubOptions) {
    this.#options = options
    this.#broker = options.broker((channel, frame) => this.deliver(channel, frame))
  }

  /**
   * Registers a freshly upgraded socket and sends `welcome` in the same tick, so `welcome` is always the first
   * frame (no client frame can be answered before it).
   */
  open(
    socket: WebSocket,
    id: string,
    principal: Principal,
    peer: { ip: string; origin: string | null },
    log: FastifyBaseLogger,
    telemetry?: ConnectionTelemetry,
  ): Connection {
    const { limits } = this.#options
    const conn = new Connection(socket, id, principal, peer, this, limits, log, telemetry)
    this.connections.set(id, conn)
    this.bySession.add(conn.sid, conn)
    this.byUser.add(conn.userId, conn)
    conn.send(
      JSON.stringify({
        type: 'welcome',
        connectionId: id,
        user: { id: conn.userId, username: conn.username, roles: conn.roles },
        expiresAt: conn.expMs,
        limits: {
          maxMessageBytes: limits.maxMessageBytes,
          msgRatePerS: limits.msgRatePerS,
          msgBurst: limits.msgBurst,
          idleTimeoutMs: limits.idleTimeoutMs,
        },
      }),
    )
    return conn
  }

  /**
   * The user's message budget shared by their sockets here (and with Redis), made by a socket's first frame: a
   * silent socket costs none. Kept until the sweep finds the user without sockets (see `sweepBudgets`).
   */
  budgetOf(userId: string): UserBudget {
    let budget = this.#budgets.get(userId)
    if (!budget) {
      const { limits, rtStore } = this.#options
      budget = new UserBudget(userId, rtStore, limits.msgRatePerS, limits.msgBurst)
      this.#budgets.set(userId, budget)
    }
    return budget
  }

  /** Bookkeeping when a socket is gone (any side, any reason). */
  closed(conn: Connection, code: number, reason: string): void {
    if (!this.connections.delete(conn.id)) return
    this.#budgets.get(conn.userId)?.flush()
    this.bySession.delete(conn.sid, conn)
    this.byUser.delete(conn.userId, conn)
    if (conn.subscriptions) for (const channel of conn.subscriptions) this.#leave(conn, channel)
    conn.subscriptions = undefined
    void this.#options.release(conn.userId, connectionLease(conn.sid, conn.id))
    rtEvent(conn.log, 'ws.closed', {
      code,
      closeReason: reason,
      durationMs: Date.now() - conn.openedAt,
      ...conn.who(),
    })
  }

  /** Handles one valid message; the promise (async handlers) lets the message span end when the work is done. */
  dispatch(conn: Connection, msg: ClientMessage): void | Promise<void> {
    switch (msg.type) {
      case 'ping':
        return conn.send(frames.pong(msg.id))
      case 'subscribe':
        return this.#subscribe(conn, msg)
      case 'unsubscribe':
        return this.#unsubscribe(conn, msg)
      case 'publish':
        return this.#publish(conn, msg)
      case 'auth.refresh':
        return this.#refresh(conn, msg)
    }
  }

  /**
   * Publishes a frame the server itself wrote (the security feed) to the channel's subscribers on every instance.
   * Rejects when the broker's transport is unreachable.
   */
  async publishFrame(channel: string, frame: string): Promise<void> {
    await this.#broker.publish(channel, frame)
  }

  /** Writes a fan-out frame to every local subscriber of the channel. */
  deliver(channel: string, frame: Buffer | string): void {
    const subscribers = this.#channels.get(channel)
    if (!subscribers) return
    for (const conn of subscribers) conn.send(frame)
  }

  async #subscribe(conn: Connection, msg: ClientMessageOf<'subscribe'>): Promise<void> {
    const { channel, id } = msg
    if (!canSubscribe(channel, conn.userId, conn.roles))
      return conn.rejectInvalid(id, 'forbidden', 'not allowed on this channel', 'forbidden_channel')
    const subscriptions = (conn.subscriptions ??= new Set())
    if (subscriptions.has(channel)) return conn.send(frames.subscribed(id, channel))
    if (subscriptions.size >= this.#options.maxSubscriptions)
      return conn.send(frames.error(id, 'too_many_subscriptions', 'subscription limit reached'))
    subscriptions.add(channel)
    addTo(this.#channels, channel, conn)
    try {
      await this.#broker.join(channel)
    } catch {
      subscriptions.delete(channel)
      removeFrom(this.#channels, channel, conn)
      return conn.send(frames.error(id, 'unavailable', 'could not subscribe, retry later', 1000))
    }
    // A role change or an unsubscribe may have happened while Redis confirmed.
    if (conn.subscriptions?.has(channel)) conn.send(frames.subscribed(id, channel))
  }

  #unsubscribe(conn: Connection, msg: ClientMessageOf<'unsubscribe'>): void {
    if (!conn.subscriptions?.delete(msg.channel))
      return conn.send(frames.error(msg.id, 'not_subscribed', 'not subscribed to this channel'))
    this.#leave(conn, msg.channel)
    conn.send(frames.unsubscribed(msg.id, msg.channel, 'requested'))
  }

  #leave(conn: Connection, channel: string): void {
    if (removeFrom(this.#channels, channel, conn)) this.#broker.leave(channel)
  }

  async #publish(conn: Connection, msg: ClientMessageOf<'publish'>): Promise<void> {
    const { channel, id, text } = msg
    if (!canPublish(channel, conn.userId, conn.roles))
      return conn.rejectInvalid(id, 'forbidden', 'not allowed on this channel', 'forbidden_channel')
    const messageId = randomUUID()
    const frame = frames.message(
      channel,
      messageId,
      { id: conn.userId, username: conn.username },
      text,
      Date.now(),
    )
    try {
      await this.#broker.publish(channel, frame)
    } catch {
      return conn.send(frames.error(id, 'unavailable', 'could not publish, retry later', 1000))
    }
    conn.send(frames.published(id, channel, messageId))
  }

  /**
   * `auth.refresh`: a valid token of the same user and session moves the socket's expiry (and its `kid`), after the
   * session and the user's roles are re-checked in the store (a session revoked while its event was missed ends
   * here). Any other token closes 4401 `token_invalid`. An unreachable store or key set (JWKS down, or stale past
   * JWKS_MAX_STALE_S) is not the client's fault: it answers `unavailable` and changes nothing.
   */
  async #refresh(conn: Connection, msg: ClientMessageOf<'auth.refresh'>): Promise<void> {
    const result = await this.#options.verifier.verify(msg.accessToken)
    if (conn.closing) return
    if (!result.ok && result.failure === 'keys_unavailable') {
      const retryAfterMs = KEYS_UNAVAILABLE_RETRY_AFTER_S * 1000
      return conn.send(frames.error(msg.id, 'unavailable', 'could not refresh, retry later', retryAfterMs))
    }
    if (!result.ok || result.claims.sub !== conn.userId || result.claims.sid !== conn.sid) {
      rtEvent(conn.log, 'ws.auth.refresh_refused', {
        reason: result.ok ? 'other_user_or_session' : `token_${result.failure}`,
        ...conn.who(),
        level: 'warn',
      })
      return conn.close(CLOSE_CODES.tokenInvalid.code, CLOSE_CODES.tokenInvalid.reason)
    }
    let session: SessionRecord | null
    let roles: Role[] | null
    try {
      ;[session, roles] = await Promise.all([
        this.#options.store.getSession(conn.sid),
        this.#options.store.getRoles(conn.userId),
      ])
    } catch {
      return conn.send(frames.error(msg.id, 'unavailable', 'could not refresh, retry later', 1000))
    }
    if (conn.closing) return
    if (!session || session.userId !== conn.userId || !roles) {
      rtEvent(conn.log, 'ws.auth.refresh_refused', {
        reason: session ? 'roles_missing' : 'session_revoked',
        ...conn.who(),
        level: 'warn',
      })
      return conn.close(CLOSE_CODES.sessionRevoked.code, CLOSE_CODES.sessionRevoked.reason)
    }
    if (roles.join(',') !== conn.roles.join(',')) this.applyRoles(conn.userId, roles)
    conn.sessionEndsAt = session.endsAt
    conn.expMs = result.claims.exp * 1000
    conn.kid = result.kid
    rtEvent(conn.log, 'ws.auth.refreshed', conn.who())
    conn.send(frames.authRefreshed(msg.id, conn.expMs))
  }

  /** Closes every socket of a session (revocation), returns how many. */
  closeSession(sid: string, code: number, reason: string): number {
    for (const conn of this.bySession.get(sid)) conn.close(code, reason)
    return this.bySession.count(sid)
  }

  /**
   * Closes every socket whose current token was signed by one of `kids` (keys the api no longer publishes) with
   * 4401 `token_invalid`; returns how many. Removals are rare: a scan of this instance's sockets.
   */
  closeKeys(kids: readonly string[]): number {
    const removed = new Set(kids)
    let closed = 0
    for (const conn of this.connections.values()) {
      if (conn.closing || conn.kid === null || !removed.has(conn.kid)) continue
      conn.close(CLOSE_CODES.tokenInvalid.code, CLOSE_CODES.tokenInvalid.reason)
      closed += 1
    }
    return closed
  }

  /** Closes every socket of a user (roles gone from the store), returns how many. */
  closeUser(userId: string, code: number, reason: string): number {
    for (const conn of this.byUser.get(userId)) conn.close(code, reason)
    return this.byUser.count(userId)
  }

  /** Applies new roles to the user's sockets: `session.updated`, then drops subscriptions no longer allowed. */
  applyRoles(userId: string, roles: Role[]): number {
    let dropped = 0
    for (const conn of this.byUser.get(userId)) {
      conn.roles = roles
      conn.send(frames.sessionUpdated(roles))
      if (conn.subscriptions)
        for (const channel of conn.subscriptions) {
          if (canSubscribe(channel, conn.userId, roles)) continue
          conn.subscriptions.delete(channel)
          this.#leave(conn, channel)
          conn.send(frames.unsubscribed(undefined, channel, 'forbidden'))
          dropped += 1
        }
    }
    return dropped
  }

  /**
   * Forgets the message budgets of users without sockets here. Called periodically rather than on close, so a
   * quickly reconnecting user is still refused while the shared bucket is known to be empty.
   */
  sweepBudgets(): void {
    for (const userId of this.#budgets.keys()) if (!this.byUser.has(userId)) this.#budgets.delete(userId)
  }

  /** Closes every socket (shutdown, store unreachable). */
  closeAll(code: number, reason: string): void {
    for (const conn of this.connections.values()) conn.close(code, reason)
  }
}
