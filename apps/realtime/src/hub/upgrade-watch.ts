import { addTo, removeFrom } from './multimap.ts'

/**
 * An upgrade between its session read and its socket's registration. Session events that arrive in that window
 * would find no socket to act on; they are noted on the watch and applied once the socket exists.
 */
export interface UpgradeWatch {
  readonly sid: string
  readonly userId: string
  /** When the watch started, epoch ms (abandoned watches are swept). */
  readonly startedAt: number
  /** The session was revoked after the upgrade read it. */
  revoked: boolean
  /** The user's roles changed after the upgrade read them. */
  rolesChanged: boolean
}

/**
 * The upgrades in flight on this instance, by session and by user, so that a revocation or role change racing an
 * upgrade is never lost (the race v1 lost: event processed between the session read and the registration).
 * Costs two map entries per upgrade in flight; no Redis call.
 */
export class UpgradeWatches {
  readonly #bySession = new Map<string, Set<UpgradeWatch>>()
  readonly #byUser = new Map<string, Set<UpgradeWatch>>()

  /**
   * Starts watching. Call it BEFORE the upgrade reads the session and roles: an event delivered after this was
   * published after the read was sent, so the read either saw its effect or the watch catches it.
   */
  start(sid: string, userId: string): UpgradeWatch {
    const watch: UpgradeWatch = { sid, userId, startedAt: Date.now(), revoked: false, rolesChanged: false }
    addTo(this.#bySession, sid, watch)
    addTo(this.#byUser, userId, watch)
    return watch
  }

  /** Stops watching (socket registered, upgrade refused or abandoned). Idempotent. */
  end(watch: UpgradeWatch): void {
    removeFrom(this.#bySession, watch.sid, watch)
    removeFrom(this.#byUser, watch.userId, watch)
  }

  /** Notes a revocation on every upgrade of the session in flight. */
  sessionRevoked(sid: string): void {
    for (const watch of this.#bySession.get(sid) ?? []) watch.revoked = true
  }

  /** Notes a role change on every upgrade of the user in flight. */
  rolesChanged(userId: string): void {
    for (const watch of this.#byUser.get(userId) ?? []) watch.rolesChanged = true
  }

  /**
   * Ends watches older than `maxAgeMs`: an upgrade whose client vanished between two hooks never reaches the socket
   * handler nor `onResponse`. No upgrade lives that long (the request timeout is far shorter).
   */
  sweep(maxAgeMs: number, now = Date.now()): void {
    for (const set of Array.from(this.#bySession.values()))
      for (const watch of set) if (now - watch.startedAt > maxAgeMs) this.end(watch)
  }

  /** Upgrades being watched (diagnostics and tests: back to 0 when none is in flight). */
  get size(): number {
    let n = 0
    for (const set of this.#bySession.values()) n += set.size
    return n
  }
}
