import type { WebSocketFactory, WebSocketLike } from '../src/transport.ts'

/** A scripted `fetch` for pure-logic tests: answers by `METHOD path`, records every call. */
export function fakeFetch(
  routes: Record<
    string,
    (body: unknown) => { status: number; body?: unknown; headers?: Record<string, string> }
  >,
) {
  const calls: Array<{ key: string; body: unknown; headers: Record<string, string> }> = []
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input))
    const key = `${init?.method ?? 'GET'} ${url.pathname}`
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined
    calls.push({ key, body, headers: (init?.headers ?? {}) as Record<string, string> })
    const route = routes[key]
    if (!route) return new Response(JSON.stringify({ error: 'not_found' }), { status: 404 })
    const answer = route(body)
    const payload = answer.body === undefined ? null : JSON.stringify(answer.body)
    return new Response(payload, { status: answer.status, headers: answer.headers ?? {} })
  }) as typeof globalThis.fetch
  return { fetch, calls }
}

/** A token pair as the api returns it. */
export function pair(n: number, expiresIn = 300) {
  return {
    accessToken: `access-${n}`,
    refreshToken: `refresh-${n}`,
    tokenType: 'Bearer',
    expiresIn,
    sessionId: 's1',
    user: { id: 'u-alice', username: 'alice', roles: ['user'] },
  }
}

/** An in-memory socket the test drives by hand. */
export class FakeSocket implements WebSocketLike {
  readyState = 0
  sent: string[] = []
  closedWith: { code?: number; reason?: string } | undefined
  readonly #listeners = new Map<string, Array<(event: never) => void>>()
  readonly url: string
  readonly protocols: string[]

  constructor(url: string, protocols: string[]) {
    this.url = url
    this.protocols = protocols
  }

  addEventListener(type: string, listener: (event: never) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener])
  }
  #fire(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as (event: unknown) => void)(event)
  }
  send(data: string): void {
    this.sent.push(data)
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason }
    this.readyState = 3
  }
  /** Server side: upgrade done and `welcome` sent. */
  welcome(
    roles: string[] = ['user'],
    expiresAt = Date.now() + 300_000,
    limits: { msgRatePerS?: number; msgBurst?: number } = {},
  ): void {
    this.readyState = 1
    this.push({
      type: 'welcome',
      connectionId: 'c1',
      user: { id: 'u-alice', username: 'alice', roles },
      expiresAt,
      limits: { maxMessageBytes: 16384, msgRatePerS: 20, msgBurst: 40, idleTimeoutMs: 300000, ...limits },
    })
  }
  push(message: unknown): void {
    this.#fire('message', { data: JSON.stringify(message) })
  }
  /** The upgrade failed the way `ws` reports it: an error event with the status, then close 1006. */
  fail(message: string): void {
    this.#fire('error', { message })
    this.serverClose(1006)
  }
  /** Server side: close the socket. */
  serverClose(code: number, reason = ''): void {
    this.readyState = 3
    this.#fire('close', { code, reason })
  }
  lastSent(): Record<string, unknown> {
    return JSON.parse(this.sent.at(-1) ?? '{}') as Record<string, unknown>
  }
}

/** A factory that records every socket it opens. */
export function fakeSockets() {
  const sockets: FakeSocket[] = []
  const create: WebSocketFactory = (url, protocols) => {
    const socket = new FakeSocket(url, protocols)
    sockets.push(socket)
    return socket
  }
  return { sockets, create }
}
