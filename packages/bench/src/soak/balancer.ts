/**
 * The soak's load balancer, in the client: new sockets go round-robin to the realtime instances marked up. The
 * soak marks an instance down the moment it kills it and up once its `/readyz` answers again, as a proxy's health
 * check would (HAProxy in infra/ checks every 2 s; this one reacts at once, so reconnect times measure the platform).
 */
export class Balancer {
  readonly #urls: string[]
  readonly #up: boolean[]
  #next = 0

  constructor(urls: string[]) {
    this.#urls = urls
    this.#up = urls.map(() => true)
  }

  /** The instance for a new socket: its index and `ws://` base URL (every instance when all are down). */
  pick(): { index: number; url: string } {
    const live = this.#urls.map((_, i) => i).filter((i) => this.#up[i])
    const pool = live.length > 0 ? live : this.#urls.map((_, i) => i)
    const index = pool[this.#next++ % pool.length]!
    return { index, url: this.#urls[index]! }
  }

  setUp(index: number, up: boolean): void {
    this.#up[index] = up
  }
}
