import type { FastifyBaseLogger } from 'fastify'
import { CLOSE_CODES, type Role } from '@portcullis/protocol'
import type { SessionEvent, SessionStore } from '@portcullis/sessions'
import { connectionLease } from '@portcullis/sessions/redis'
import { recordRevocationLatency } from '@portcullis/telemetry'
import type { JwksSource } from '@portcullis/tokens'
import type { RtStore } from '../limits/rt-store.ts'
import { rtEvent } from '../security-events.ts'
import type { Connection } from '../transport/connection.ts'
import type { Hub } from './hub.ts'
import { UpgradeWatches, type UpgradeWatch } from './upgrade-watch.ts'

export interface SupervisorOptions {
  hub: Hub
  store: SessionStore
  rtStore: RtStore
  /** The api's keys: sockets admitted with (or last refreshed by) a token of a removed key are closed. */
  keys: Pick<JwksSource, 'on' | 'off' | 'get' | 'ready'>
  idleTimeoutMs: number
  heartbeatIntervalMs: number
  storeGraceMs: number
  /** Connection-slot lease (ms); renewed every third of it. */
  connectionLeaseMs: number
  log: FastifyBaseLogger
}

/** Sockets pinged per turn of the event loop. */
const HEARTBEAT_SLICE = 500
/** An upgrade watch older than this was abandoned (the request timeout is 10 s), ms. */
const ABANDONED_UPGRADE_MS = 60_000

/**
 * Everything that happens to live sockets without a client frame: heartbeat pings and dead-peer termination,
 * idle close (4408), connection-slot renewal, session events (revocation 4401, role changes), re-validation
 * after the event link returns, fail-closed 1013 when the store stays unreachable past STORE_GRACE_MS, and
 * 4401 `token_invalid` for sockets whose token's key the api no longer publishes (never for a JWKS outage).
 */
export class Supervisor {
  readonly #o: SupervisorOptions
  readonly #timers: NodeJS.Timeout[] = []
  #unsubscribe: (() => Promise<void>) | null = null
  /** When the store was first seen unreachable in the current outage (ms), or null while it is healthy. */
  #downSince: number | null = null
  /**
   * Whether session events are known to flow (the store's `onLink`). A store that answers pings while its event
   * link is down is still an outage: revocations published meanwhile would be missed.
   */
  #linkIsUp = false
  #closedForOutage = false
  #pinging = false
  #renewing = false
  #beating = false
  /** Upgrades in flight: events racing them are applied once their socket is registered. */
  readonly upgrades = new UpgradeWatches()

  constructor(options: SupervisorOptions) {
    this.#o = options
  }

  async start(): Promise<void> {
    const o = this.#o
    o.keys.on('removed', this.#keysRemoved)
    const every = (ms: number, fn: () => void) => this.#timers.push(setInterval(fn, ms).unref())
    every(o.heartbeatIntervalMs, () => this.#heartbeat())
    every(Math.max(10, Math.min(1000, Math.floor(o.idleTimeoutMs / 4))), () => this.#sweep())
    every(Math.floor(o.connectionLeaseMs / 3), () => void this.#renewLeases())
    every(Math.max(50, Math.min(1000, Math.floor(o.storeGraceMs / 4))), () => void this.#checkStore())
    await this.#subscribe()
  }

  async #subscribe(): Promise<void> {
    try {
      this.#unsubscribe = await this.#o.store.subscribe(
        (event) => this.#onEvent(event),
        (up) => (up ? this.#linkUp() : this.#linkDown()),
      )
    } catch (err) {
      // Start anyway: upgrades answer 503 while the store is away, and the health check retries.
      this.#o.log.warn({ err }, 'session event subscription failed; retrying when the store is reachable')
      this.#linkDown()
    }
  }

  async stop(): Promise<void> {
    this.#o.keys.off('removed', this.#keysRemoved)
    for (const t of this.#timers) clearInterval(t)
    this.#timers.length = 0
    await this.#unsubscribe?.().catch(() => {})
    this.#unsubscribe = null
  }

  /**
   * Pings every socket (and terminates dead peers) in slices of `HEARTBEAT_SLICE` with a turn of the event loop
   * between them: one ping is one write syscall, so 10 000 in one synchronous loop held the loop for ~100 ms.
   */
  #heartbeat(): void {
    if (this.#beating) return
    const now = Date.now()
    const deadAfter = 2 * this.#o.heartbeatIntervalMs
    const conns = Array.from(this.#o.hub.connections.values())
    this.#beating = true
    const slice = (from: number): void => {
      const end = Math.min(conns.length, from + HEARTBEAT_SLICE)
      for (let i = from; i < end; i++) {
        const conn = conns[i]!
        if (conn.closing) continue
        if (now - conn.lastPongAt > deadAfter) {
          conn.log.info({ connectionId: conn.id }, 'dead peer terminated (no pong within two heartbeats)')
          conn.terminate()
        } else {
          conn.socket.ping()
        }
      }
      if (end < conns.length && this.#timers.length > 0) setImmediate(slice, end)
      else this.#beating = false
    }
    slice(0)
  }

  /**
   * Idle close (4408) and token lifetime (`auth.expiring`, 4401 at the deadline) in one pass over the sockets,
   * instead of a timer per socket (memory at 10 000 sockets). Frames in and out check the deadline themselves.
   */
  #sweep(): void {
    const now = Date.now()
    const cutoff = now - this.#o.idleTimeoutMs
    for (const conn of this.#o.hub.connections.values()) {
      if (!conn.closing && conn.lastDataAt <= cutoff)
        conn.close(CLOSE_CODES.idleTimeout.code, CLOSE_CODES.idleTimeout.reason)
      else conn.checkExpiry(now)
    }
  }

  /**
   * Every user's leases in a few batched calls, through the store's bounded background lane (never a burst of
   * 10 000 calls at once); a round still running when the next is due is not doubled (leases last three rounds).
   */
  async #renewLeases(): Promise<void> {
    this.#o.hub.sweepBudgets()
    this.upgrades.sweep(ABANDONED_UPGRADE_MS)
    if (this.#renewing) return
    this.#renewing = true
    try {
      await this.#o.rtStore.renewLeases(
        Array.from(this.#o.hub.byUser.entries(), ([userId, conns]): [string, string[]] => [
          userId,
          Array.from(conns, (c) => connectionLease(c.sid, c.id)),
        ]),
        this.#o.connectionLeaseMs,
      )
    } catch (err) {
      this.#o.log.warn({ err }, 'could not renew connection slots')
    } finally {
      this.#renewing = false
    }
  }

  /**
   * Applies what happened while the socket's upgrade was in flight, right after its registration: a revoked session
   * closes it 4401 `session_revoked`; changed roles are read from the store and applied.
   */
  settleUpgrade(watch: UpgradeWatch, conn: Connection): void {
    this.upgrades.end(watch)
    if (watch.revoked) return conn.close(CLOSE_CODES.sessionRevoked.code, CLOSE_CODES.sessionRevoked.reason)
    // Its key was removed while the upgrade was in flight (after it verified, before `#keysRemoved` could see it).
    const { keys } = this.#o
    if (conn.kid !== null && keys.ready && keys.get(conn.kid) === undefined)
      return conn.close(CLOSE_CODES.tokenInvalid.code, CLOSE_CODES.tokenInvalid.reason)
    if (watch.rolesChanged) void this.syncRoles(watch.userId)
  }

  /** The api stopped publishing these keys (or reused their kids for other keys): their sockets close 4401. */
  readonly #keysRemoved = (kids: readonly string[]): void => {
    const closed = this.#o.hub.closeKeys(kids)
    rtEvent(this.#o.log, 'keys.removed', { reason: 'unpublished', kids: kids.join(','), sockets: closed })
  }

  /**
   * Reads the user's roles from the store and applies them to the user's sockets here. Role events only say THAT
   * roles changed: the store is the authority (a forged or stale payload cannot grant anything). Missing or corrupt
   * roles close the user's sockets 4401. An unreachable store is treated as an outage: every live session is
   * re-checked once it answers again.
   */
  async syncRoles(userId: string, at?: number): Promise<void> {
    const { hub, store, log } = this.#o
    let roles: Role[] | null
    try {
      roles = await store.getRoles(userId)
    } catch (err) {
      log.warn(
        { err, userId },
        'could not read roles after a role change; re-checking once the store answers',
      )
      this.#downSince ??= Date.now()
      return
    }
    if (roles === null) {
      const closed = hub.closeUser(userId, CLOSE_CODES.sessionRevoked.code, CLOSE_CODES.sessionRevoked.reason)
      if (closed > 0)
        rtEvent(log, 'session.revoked', { reason: 'roles_missing', userId, sockets: closed, level: 'warn' })
      return
    }
    const dropped = hub.applyRoles(userId, roles)
    if (hub.byUser.has(userId))
      rtEvent(log, 'session.roles_changed', {
        userId,
        roles: roles.join(','),
        dropped,
        ...(at === undefined ? {} : { latencyMs: Date.now() - at }),
      })
  }

  #onEvent(event: SessionEvent): void {
    const { hub, log } = this.#o
    if (event.type === 'session.revoked') {
      this.upgrades.sessionRevoked(event.sid)
      const closed = hub.closeSession(
        event.sid,
        CLOSE_CODES.sessionRevoked.code,
        CLOSE_CODES.sessionRevoked.reason,
      )
      // Revocation latency per closed socket: event published (its `at`) → close sent.
      for (let i = 0; i < closed; i++) recordRevocationLatency(event.at, event.reason)
      if (closed > 0)
        rtEvent(log, 'session.revoked', {
          reason: event.reason,
          userId: event.userId,
          sessionId: event.sid,
          sockets: closed,
          latencyMs: Date.now() - event.at,
        })
    } else {
      this.upgrades.rolesChanged(event.userId)
      if (hub.byUser.has(event.userId)) void this.syncRoles(event.userId, event.at)
    }
  }

  #linkDown(): void {
    this.#linkIsUp = false
    this.#downSince ??= Date.now()
  }

  #linkUp(): void {
    this.#linkIsUp = true
    // Events may have been missed while the link was down: re-check every live session.
    void this.#revalidate()
  }

  async #checkStore(): Promise<void> {
    if (this.#pinging) return
    this.#pinging = true
    try {
      await this.#o.store.ping()
      if (this.#unsubscribe === null && this.#timers.length > 0) await this.#subscribe()
      if (this.#downSince !== null && this.#unsubscribe !== null && this.#linkIsUp) {
        this.#downSince = null
        this.#closedForOutage = false
        await this.#revalidate()
      }
    } catch {
      // The store does not answer: the outage clock runs (the event link reports itself).
      this.#downSince ??= Date.now()
    } finally {
      this.#pinging = false
    }
    if (
      this.#downSince !== null &&
      !this.#closedForOutage &&
      Date.now() - this.#downSince >= this.#o.storeGraceMs
    ) {
      this.#closedForOutage = true
      rtEvent(this.#o.log, 'store.unreachable', {
        reason: 'grace_exceeded',
        sockets: this.#o.hub.connections.size,
        level: 'warn',
      })
      this.#o.hub.closeAll(CLOSE_CODES.tryAgainLater.code, CLOSE_CODES.tryAgainLater.reason)
    }
  }

  /** Re-checks every live session and the roles of every live user against the store. */
  async #revalidate(): Promise<void> {
    const { hub, store, log } = this.#o
    let revoked = 0
    try {
      for (const sid of Array.from(hub.bySession.keys())) {
        if ((await store.getSession(sid)) === null) {
          revoked += hub.closeSession(sid, CLOSE_CODES.sessionRevoked.code, CLOSE_CODES.sessionRevoked.reason)
        }
      }
      for (const [userId, conns] of Array.from(hub.byUser.entries())) {
        const roles = await store.getRoles(userId)
        const current = [...conns][0]?.roles ?? []
        if (roles === null)
          revoked += hub.closeUser(userId, CLOSE_CODES.sessionRevoked.code, CLOSE_CODES.sessionRevoked.reason)
        else if (roles.join(',') !== current.join(',')) hub.applyRoles(userId, roles)
      }
      rtEvent(log, 'session.revalidated', { revoked, sessions: hub.bySession.size })
    } catch (err) {
      // Not a link failure: the outage clock runs again, and the next successful check re-validates.
      this.#downSince ??= Date.now()
      log.warn({ err }, 're-validation failed; the store is unreachable again')
    }
  }
}
