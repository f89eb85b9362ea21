import { onTestFinished } from 'vitest'
import { WebSocket, type ClientOptions } from 'ws'

/** An upgrade the server refused: the HTTP status, the parsed JSON body, the headers. */
export interface Refusal {
  status: number
  body: Record<string, unknown>
  headers: Record<string, string | string[] | undefined>
}

/** An open client socket that records every server frame and its close. */
export class Client {
  readonly frames: Array<Record<string, unknown>> = []
  readonly closed: Promise<{ code: number; reason: string }>
  readonly ws: WebSocket
  #waiters: Array<() => void> = []

  constructor(ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>)
      for (const w of this.#waiters) w()
    })
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() })
        for (const w of this.#waiters) w()
      }),
    )
  }

  /** Sends a value as JSON (a string as it is). */
  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value))
  }

  /** Resolves with the first frame matching `match` (fields, or a predicate); rejects after `timeoutMs`. */
  async next(
    match: Record<string, unknown> | ((f: Record<string, unknown>) => boolean),
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    const test =
      typeof match === 'function'
        ? match
        : (f: Record<string, unknown>) => Object.entries(match).every(([k, v]) => f[k] === v)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.frames.find(test)
      if (found) return found
      if (Date.now() > deadline)
        throw new Error(`no frame matching ${JSON.stringify(match)}; got ${JSON.stringify(this.frames)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50)
        this.#waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
      this.#waiters = []
    }
  }

  close(): void {
    this.ws.close()
  }
}

/** How to open a test socket. */
export interface ConnectOptions {
  /** Query string without `?`. */
  query?: string
  headers?: Record<string, string>
  protocols?: string[]
  origin?: string
  wsOptions?: ClientOptions
}

/**
 * Opens a socket to a Portcullis endpoint: resolves with a `Client` after `welcome`, or with the HTTP refusal. The
 * socket is terminated when the test finishes.
 * @example const c = await open(`${url}/v1/ws`, { headers: bearer(token) })
 */
export async function open(url: string, o: ConnectOptions = {}): Promise<Client | Refusal> {
  const ws = new WebSocket(`${url}${o.query ? `?${o.query}` : ''}`, o.protocols ?? [], {
    headers: o.headers,
    ...(o.origin ? { origin: o.origin } : {}),
    ...o.wsOptions,
  })
  return await new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => {
        let parsed: Record<string, unknown> = {}
        try {
          parsed = JSON.parse(body) as Record<string, unknown>
        } catch {
          parsed = { raw: body }
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers })
        ws.terminate()
      })
    })
    ws.once('error', reject)
    ws.once('upgrade', () => {
      const client = new Client(ws)
      onTestFinished(() => ws.terminate())
      client.next({ type: 'welcome' }).then(() => resolve(client), reject)
    })
  })
}

/** `open` that must succeed. */
export async function connect(url: string, o: ConnectOptions = {}): Promise<Client> {
  const result = await open(url, o)
  if (!(result instanceof Client))
    throw new Error(`upgrade refused: ${result.status} ${JSON.stringify(result.body)}`)
  return result
}

/** `open` that must be refused. */
export async function refused(url: string, o: ConnectOptions = {}): Promise<Refusal> {
  const result = await open(url, o)
  if (result instanceof Client) throw new Error('upgrade unexpectedly accepted')
  return result
}

/** Bearer auth header for a token. */
export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })
