import { summarise, type LatencySummary } from '../stats.ts'

/** When a revoked session's sockets must be closed by (SPEC: never over 1 s), ms. */
export const REVOCATION_DEADLINE_MS = 1000
/**
 * A subscriber counts as "connected throughout" a message when its socket opened at least this long before the
 * publish was sent (its subscriptions are restored right after `welcome`) and stayed open until this long after
 * the `published` acknowledgement (delivery time), ms.
 */
export const SETTLED_MS = 1000
export const DELIVERY_GRACE_MS = 2000

/** A window in which Redis pub/sub may lose messages (a failover or restart), ms since epoch. */
export interface Window {
  from: number
  to: number
}

interface Interval {
  from: number
  to: number
}

interface Acked {
  channel: string
  sentAt: number
  ackAt: number
}

/** One fault as the ledger saw it. */
export interface FaultRecord {
  kind: string
  at: number
  /** Clients whose socket the fault closed (or that were not open then and are expected back). */
  affected: number[]
}

/** Reconnection after one fault. */
export interface ReconnectFigures {
  kind: string
  /** Clients whose socket the fault closed. */
  affected: number
  /** ms from the fault until 95 % / 100 % of them had a socket again (NaN when none or never). */
  p95Ms: number
  allMs: number
  /** Affected clients that had no socket again by the end. */
  notBack: number
}

/** What the checks are computed from. */
export interface LedgerFigures {
  revocations: { count: number; lost: number; latency: LatencySummary }
  messages: {
    acked: number
    expectedDeliveries: number
    lost: number
    /** Of `lost`: messages published while Redis was failing over or restarting (pub/sub is at-most-once). */
    lostInRedisFaults: number
    /** Deliveries that were not expected (subscribers that came and went around the message). */
    extra: number
  }
  reconnects: ReconnectFigures[]
}

/**
 * The soak's book-keeping, from the clients' point of view: socket lifetimes, subscriptions, every acknowledged
 * publish and every delivery, revocations and the closes they caused, faults and who they disconnected. Pure: the
 * run feeds it events with their times; `figures()` computes the checks.
 */
export class Ledger {
  /** Open sockets (client → open since), and every past socket lifetime per client. */
  readonly #openSince = new Map<number, number>()
  readonly #lifetimes = new Map<number, Interval[]>()
  /** client → channel (one subscription per client, confirmed at this time). */
  readonly #subscribed = new Map<number, { channel: string; at: number }>()
  readonly #acked = new Map<string, Acked>()
  readonly #delivered = new Map<string, Set<number>>()
  readonly #revocations: Array<{ clients: number[]; at: number }> = []
  /** client → times its socket closed with 4401 `session_revoked`. */
  readonly #revokedCloses = new Map<number, number[]>()
  readonly #faults: FaultRecord[] = []
  readonly #redisWindows: Window[] = []

  /** Sockets open now. */
  get openSockets(): number {
    return this.#openSince.size
  }

  /** Whether `client` has an open socket. */
  isOpen(client: number): boolean {
    return this.#openSince.has(client)
  }

  /** Clients with an open socket. */
  openClients(): number[] {
    return [...this.#openSince.keys()]
  }

  opened(client: number, at: number): void {
    if (!this.#openSince.has(client)) this.#openSince.set(client, at)
  }

  closed(client: number, at: number, code: number): void {
    const since = this.#openSince.get(client)
    if (since === undefined) return
    this.#openSince.delete(client)
    let list = this.#lifetimes.get(client)
    if (!list) this.#lifetimes.set(client, (list = []))
    list.push({ from: since, to: at })
    if (code === 4401) {
      let closes = this.#revokedCloses.get(client)
      if (!closes) this.#revokedCloses.set(client, (closes = []))
      closes.push(at)
    }
  }

  subscribed(client: number, channel: string, at: number): void {
    if (!this.#subscribed.has(client)) this.#subscribed.set(client, { channel, at })
  }

  acked(messageId: string, channel: string, sentAt: number, ackAt: number): void {
    this.#acked.set(messageId, { channel, sentAt, ackAt })
  }

  delivered(messageId: string, client: number): void {
    let set = this.#delivered.get(messageId)
    if (!set) this.#delivered.set(messageId, (set = new Set()))
    set.add(client)
  }

  /** A session was revoked at `at`; `clients` are the ones whose socket of it was open then. */
  revoked(clients: number[], at: number): void {
    this.#revocations.push({ clients, at })
  }

  fault(record: FaultRecord): void {
    this.#faults.push(record)
  }

  /** Redis was failing over or restarting in this window: pub/sub losses there are reported apart. */
  redisWindow(window: Window): void {
    this.#redisWindows.push(window)
  }

  /** Whether `client` had one socket open over the whole of [from, to]. */
  #openThroughout(client: number, from: number, to: number): boolean {
    const since = this.#openSince.get(client)
    if (since !== undefined && since <= from) return true
    return (this.#lifetimes.get(client) ?? []).some((l) => l.from <= from && l.to >= to)
  }

  /** The first time after `at` that `client` had a socket open again (Infinity when never). */
  #backAt(client: number, at: number): number {
    const starts = (this.#lifetimes.get(client) ?? []).map((l) => l.from)
    const since = this.#openSince.get(client)
    if (since !== undefined) starts.push(since)
    return Math.min(Infinity, ...starts.filter((t) => t >= at))
  }

  #revocationFigures(): LedgerFigures['revocations'] {
    const latencies: number[] = []
    let lost = 0
    for (const { clients, at } of this.#revocations) {
      for (const client of clients) {
        const close = (this.#revokedCloses.get(client) ?? []).find((t) => t >= at)
        if (close === undefined || close - at > REVOCATION_DEADLINE_MS) lost += 1
        if (close !== undefined) latencies.push(close - at)
      }
    }
    return { count: this.#revocations.length, lost, latency: summarise(latencies) }
  }

  #messageFigures(): LedgerFigures['messages'] {
    const byChannel = new Map<string, Array<[number, number]>>()
    for (const [client, { channel, at }] of this.#subscribed) {
      let list = byChannel.get(channel)
      if (!list) byChannel.set(channel, (list = []))
      list.push([client, at])
    }
    let expectedDeliveries = 0
    let lost = 0
    let lostInRedisFaults = 0
    let extra = 0
    for (const [id, m] of this.#acked) {
      const got = this.#delivered.get(id) ?? new Set<number>()
      const from = m.sentAt - SETTLED_MS
      const to = m.ackAt + DELIVERY_GRACE_MS
      const inFault = this.#redisWindows.some((w) => m.sentAt <= w.to && m.ackAt >= w.from)
      let expectedHere = 0
      for (const [client, subscribedAt] of byChannel.get(m.channel) ?? []) {
        if (subscribedAt > from || !this.#openThroughout(client, from, to)) continue
        expectedHere += 1
        if (got.has(client)) continue
        lost += 1
        if (inFault) lostInRedisFaults += 1
      }
      expectedDeliveries += expectedHere
      extra += Math.max(0, got.size - expectedHere)
    }
    return { acked: this.#acked.size, expectedDeliveries, lost, lostInRedisFaults, extra }
  }

  #reconnectFigures(): ReconnectFigures[] {
    return this.#faults.map(({ kind, at, affected }) => {
      const back = affected.map((client) => this.#backAt(client, at) - at).toSorted((a, b) => a - b)
      const reached = back.filter(Number.isFinite)
      const rank = (p: number): number => {
        if (back.length === 0) return Number.NaN
        const value = back[Math.max(0, Math.ceil(p * back.length) - 1)]!
        return Number.isFinite(value) ? value : Number.NaN
      }
      return {
        kind,
        affected: affected.length,
        p95Ms: rank(0.95),
        allMs: rank(1),
        notBack: back.length - reached.length,
      }
    })
  }

  figures(): LedgerFigures {
    return {
      revocations: this.#revocationFigures(),
      messages: this.#messageFigures(),
      reconnects: this.#reconnectFigures(),
    }
  }
}
