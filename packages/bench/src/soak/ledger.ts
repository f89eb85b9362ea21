import { summarise, type LatencySummary } from '../stats.ts'

/** When a revoked session's sockets must be closed by (docs/reference/protocol.md: never over 1 s), ms. */
export const REVOCATION_DEADLINE_MS = 1000
/**
 * A subscriber counts as "connected throughout" a message when its socket's subscription to the channel was
 * confirmed (`subscribed`) before the publish was sent, and the socket stayed open until this long after the
 * `published` acknowledgement (delivery time), ms.
 */
export const DELIVERY_GRACE_MS = 2000

/** A window in which Redis pub/sub may lose messages (a failover or restart), ms since epoch. */
export interface Window {
  from: number
  to: number
}

/** One socket's life: open from `from` to `to`, its subscription confirmed at `sub` (Infinity: never). */
interface Interval {
  from: number
  to: number
  sub: number
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
    /** The first lost deliveries, for diagnosis (times epoch ms). */
    lostSamples: Array<{
      messageId: string
      channel: string
      client: number
      sentAt: number
      ackAt: number
      openSince: number
    }>
  }
  reconnects: ReconnectFigures[]
}

/**
 * The soak's book-keeping, from the clients' point of view: socket lifetimes, subscriptions, every acknowledged
 * publish and every delivery, revocations and the closes they caused, faults and who they disconnected. Pure: the
 * run feeds it events with their times; `figures()` computes the checks.
 */
export class Ledger {
  /** Open sockets (client → its life so far), and every past socket lifetime per client. */
  readonly #open = new Map<number, Interval>()
  readonly #lifetimes = new Map<number, Interval[]>()
  /** client → its channel (one per client). */
  readonly #channelOf = new Map<number, string>()
  readonly #acked = new Map<string, Acked>()
  readonly #delivered = new Map<string, Set<number>>()
  readonly #revocations: Array<{ clients: number[]; at: number }> = []
  /** client → times its socket closed with 4401 `session_revoked`. */
  readonly #revokedCloses = new Map<number, number[]>()
  readonly #faults: FaultRecord[] = []
  readonly #redisWindows: Window[] = []

  /** Sockets open now. */
  get openSockets(): number {
    return this.#open.size
  }

  /** Whether `client` has an open socket. */
  isOpen(client: number): boolean {
    return this.#open.has(client)
  }

  /** Clients with an open socket. */
  openClients(): number[] {
    return [...this.#open.keys()]
  }

  opened(client: number, at: number): void {
    if (!this.#open.has(client)) this.#open.set(client, { from: at, to: Infinity, sub: Infinity })
  }

  closed(client: number, at: number, code: number): void {
    const life = this.#open.get(client)
    if (life === undefined) return
    this.#open.delete(client)
    let list = this.#lifetimes.get(client)
    if (!list) this.#lifetimes.set(client, (list = []))
    list.push({ ...life, to: at })
    if (code === 4401) {
      let closes = this.#revokedCloses.get(client)
      if (!closes) this.#revokedCloses.set(client, (closes = []))
      closes.push(at)
    }
  }

  /** The open socket of `client` confirmed its subscription to `channel` (the first confirmation counts). */
  subscribed(client: number, channel: string, at: number): void {
    this.#channelOf.set(client, channel)
    const life = this.#open.get(client)
    if (life && life.sub === Infinity) life.sub = at
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

  #lives(client: number): Interval[] {
    const open = this.#open.get(client)
    return [...(this.#lifetimes.get(client) ?? []), ...(open ? [open] : [])]
  }

  /** The socket of `client` subscribed before `sentAt` and open until `until`, if there was one. */
  #subscribedThroughout(client: number, sentAt: number, until: number): Interval | undefined {
    return this.#lives(client).find((l) => l.sub <= sentAt && l.to >= until)
  }

  /** The first time after `at` that `client` had a socket open again (Infinity when never). */
  #backAt(client: number, at: number): number {
    return Math.min(
      Infinity,
      ...this.#lives(client)
        .map((l) => l.from)
        .filter((t) => t >= at),
    )
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
    const byChannel = new Map<string, number[]>()
    for (const [client, channel] of this.#channelOf) {
      let list = byChannel.get(channel)
      if (!list) byChannel.set(channel, (list = []))
      list.push(client)
    }
    let expectedDeliveries = 0
    let lost = 0
    let lostInRedisFaults = 0
    let extra = 0
    const lostSamples: LedgerFigures['messages']['lostSamples'] = []
    for (const [id, m] of this.#acked) {
      const got = this.#delivered.get(id) ?? new Set<number>()
      const to = m.ackAt + DELIVERY_GRACE_MS
      const inFault = this.#redisWindows.some((w) => m.sentAt <= w.to && m.ackAt >= w.from)
      let expectedHere = 0
      for (const client of byChannel.get(m.channel) ?? []) {
        const life = this.#subscribedThroughout(client, m.sentAt, to)
        if (!life) continue
        expectedHere += 1
        if (got.has(client)) continue
        lost += 1
        if (inFault) lostInRedisFaults += 1
        else if (lostSamples.length < 20) {
          lostSamples.push({
            messageId: id,
            channel: m.channel,
            client,
            sentAt: m.sentAt,
            ackAt: m.ackAt,
            openSince: life.from,
          })
        }
      }
      expectedDeliveries += expectedHere
      extra += Math.max(0, got.size - expectedHere)
    }
    return { acked: this.#acked.size, expectedDeliveries, lost, lostInRedisFaults, extra, lostSamples }
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
