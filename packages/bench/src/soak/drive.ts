import type { SoakClient } from './fleet.ts'
import type { Ledger } from './ledger.ts'

/** The churn a running soak applies, per second over all clients. */
export interface ChurnRates {
  publishPerS: number
  revokePerS: number
  reconnectPerS: number
  /** Each client pings this often (ms) so it never idles out; `ping` counts as activity, heartbeats do not. */
  pingEveryMs: number
}

/** Tick of the churn drivers, ms. */
const TICK_MS = 100

/**
 * Drives the churn: every tick it does the publishes, revocations and voluntary reconnects that are due (fractions
 * carry over), each on a random client with an open socket, and pings the slice of clients whose turn it is.
 * Revocations are timed from the moment the api is asked; the ledger later checks the socket closed 4401 in 1 s.
 */
export class Churn {
  readonly #clients: SoakClient[]
  readonly #ledger: Ledger
  readonly #rates: ChurnRates
  readonly #count: (what: string) => void
  #timer: NodeJS.Timeout | null = null
  #due = { publish: 0, revoke: 0, reconnect: 0 }
  #pingCursor = 0
  #seq = 0
  /** Revocations asked and answered 204. */
  revocations = 0

  constructor(clients: SoakClient[], ledger: Ledger, rates: ChurnRates, count: (what: string) => void) {
    this.#clients = clients
    this.#ledger = ledger
    this.#rates = rates
    this.#count = count
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#tick(), TICK_MS)
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }

  #randomOpen(): SoakClient | undefined {
    const open = this.#ledger.openClients()
    if (open.length === 0) return undefined
    return this.#clients[open[Math.floor(Math.random() * open.length)]!]
  }

  #tick(): void {
    const s = TICK_MS / 1000
    this.#due.publish += this.#rates.publishPerS * s
    this.#due.revoke += this.#rates.revokePerS * s
    this.#due.reconnect += this.#rates.reconnectPerS * s
    for (; this.#due.publish >= 1; this.#due.publish -= 1) {
      const client = this.#randomOpen()
      if (client) void client.publish(`m${++this.#seq}`)
    }
    for (; this.#due.revoke >= 1; this.#due.revoke -= 1) {
      const client = this.#randomOpen()
      if (client) void this.#revoke(client)
    }
    for (; this.#due.reconnect >= 1; this.#due.reconnect -= 1) {
      const client = this.#randomOpen()
      if (client && !client.identity?.revoked) client.reconnect(200 + Math.random() * 800)
    }
    const perTick = Math.ceil((this.#clients.length * TICK_MS) / this.#rates.pingEveryMs)
    for (let i = 0; i < perTick; i++) {
      const client = this.#clients[this.#pingCursor++ % this.#clients.length]!
      if (this.#ledger.isOpen(client.index)) void client.ping()
    }
  }

  async #revoke(client: SoakClient): Promise<void> {
    const at = Date.now()
    if (!(await client.revoke())) return this.#count('revocation refused by the api')
    this.revocations += 1
    // The socket that was open when the api was asked must close 4401 within 1 s of `at`.
    this.#ledger.revoked([client.index], at)
  }
}
