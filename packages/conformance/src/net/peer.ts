import type { IncomingHttpHeaders } from 'node:http'
import { performance } from 'node:perf_hooks'
import { parseServerMessage } from '@portcullis/protocol'
import { WebSocket } from 'ws'
import { connectOptions, type Connection } from './http.ts'

/** A server frame as received (parsed JSON object). */
export type Frame = Readonly<Record<string, unknown>> & { readonly type?: unknown; readonly id?: unknown }

export interface CloseInfo {
  readonly code: number
  readonly reason: string
  /** `performance.now()` when the close arrived. */
  readonly at: number
}

/** Match by fields (`{ type: 'pong', id: 'p1' }`) or by a predicate. */
export type FrameMatch = Partial<Record<string, unknown>> | ((frame: Frame) => boolean)

function matches(frame: Frame, match: FrameMatch): boolean {
  if (typeof match === 'function') return match(frame)
  return Object.entries(match).every(([key, value]) => frame[key] === value)
}

function describe(match: FrameMatch): string {
  return typeof match === 'function' ? 'a matching frame' : JSON.stringify(match)
}

interface Waiter {
  readonly match: FrameMatch
  readonly resolve: (frame: Frame) => void
  readonly reject: (err: Error) => void
  readonly timer: NodeJS.Timeout
}

/**
 * An open WebSocket to the target. Every frame the server sends is checked against `@portcullis/protocol`
 * (a frame outside it is a `violation`); `beforeSend` lets the case context enforce its frame budget.
 */
export class Peer {
  readonly ws: WebSocket
  /** Every frame received, in order. */
  readonly frames: Frame[] = []
  /** Frames that were not valid protocol messages, described. */
  readonly violations: string[] = []
  readonly closed: Promise<CloseInfo>
  /** Headers of the 101 answer. */
  readonly headers: IncomingHttpHeaders
  #close: CloseInfo | null = null
  readonly #taken = new Set<number>()
  readonly #waiters = new Set<Waiter>()
  readonly #beforeSend: () => void
  #keepAlive: NodeJS.Timeout | undefined

  constructor(ws: WebSocket, headers: IncomingHttpHeaders, beforeSend: () => void) {
    this.ws = ws
    this.headers = headers
    this.#beforeSend = beforeSend
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary))
    this.closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => {
        clearInterval(this.#keepAlive)
        this.#close = { code, reason: reason.toString(), at: performance.now() }
        for (const w of this.#waiters) {
          clearTimeout(w.timer)
          w.reject(
            new Error(`socket closed ${code} ${this.#close.reason} while waiting for ${describe(w.match)}`),
          )
        }
        this.#waiters.clear()
        resolve(this.#close)
      })
    })
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.violations.push('a binary frame (the protocol is JSON text)')
      return
    }
    const parsed = parseServerMessage(data)
    if (!parsed.ok)
      this.violations.push(`a frame outside the protocol (${parsed.error.reason}: ${parsed.error.message})`)
    let frame: Frame
    try {
      frame = JSON.parse(data.toString('utf8')) as Frame
    } catch {
      return
    }
    if (typeof frame !== 'object' || frame === null) return
    const index = this.frames.push(frame) - 1
    for (const w of this.#waiters) {
      if (matches(frame, w.match)) {
        this.#taken.add(index)
        this.#waiters.delete(w)
        clearTimeout(w.timer)
        w.resolve(frame)
        return
      }
    }
  }

  /** The first frame not yet returned that matches; rejects on timeout or close. */
  next(match: FrameMatch, timeoutMs = 5000): Promise<Frame> {
    const index = this.frames.findIndex((f, i) => !this.#taken.has(i) && matches(f, match))
    if (index >= 0) {
      this.#taken.add(index)
      return Promise.resolve(this.frames[index]!)
    }
    if (this.#close)
      return Promise.reject(new Error(`socket closed ${this.#close.code} before ${describe(match)}`))
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter)
          reject(new Error(`no ${describe(match)} within ${timeoutMs} ms`))
        }, timeoutMs),
      }
      this.#waiters.add(waiter)
    })
  }

  /** Frames received so far that match (consumed or not). */
  seen(match: FrameMatch): Frame[] {
    return this.frames.filter((f) => matches(f, match))
  }

  /** The close, or null when the socket is still open after `timeoutMs`. */
  async waitClose(timeoutMs: number): Promise<CloseInfo | null> {
    let timer: NodeJS.Timeout | undefined
    const result = await Promise.race([
      this.closed,
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs))),
    ])
    clearTimeout(timer)
    return result
  }

  /** Sends a protocol message (an object, serialized as JSON text). */
  send(message: object): void {
    this.sendRaw(JSON.stringify(message))
  }

  /** Sends one frame exactly: text (even if not UTF-8) or binary. */
  sendRaw(data: string | Buffer, binary = false): void {
    this.#beforeSend()
    this.ws.send(data, { binary })
  }

  /** Sends a `ping` every `intervalMs` so that idle close never ends a case that waits for something else. */
  keepAlive(intervalMs: number): void {
    clearInterval(this.#keepAlive)
    let n = 0
    this.#keepAlive = setInterval(() => {
      if (!this.isOpen) return clearInterval(this.#keepAlive)
      try {
        this.send({ type: 'ping', id: `keepalive-${++n}` })
      } catch {
        clearInterval(this.#keepAlive)
      }
    }, intervalMs)
  }

  stopKeepAlive(): void {
    clearInterval(this.#keepAlive)
  }

  /** Closes (1000) and waits for the close handshake, at most 2 s, then cuts the connection. */
  async close(): Promise<void> {
    this.stopKeepAlive()
    if (this.#close) return
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000)
    if ((await this.waitClose(2000)) === null) this.ws.terminate()
    await this.waitClose(1000)
  }
}

export type OpenOutcome =
  | { readonly kind: 'open'; readonly peer: Peer; readonly status: 101; readonly latencyMs: number }
  | {
      readonly kind: 'refused'
      readonly status: number
      readonly headers: IncomingHttpHeaders
      readonly body: string
      readonly json: unknown
      readonly latencyMs: number
    }
  | { readonly kind: 'error'; readonly code: string; readonly message: string; readonly latencyMs: number }

export interface OpenInit {
  readonly headers?: Record<string, string>
  readonly origin?: string
  readonly protocols?: readonly string[]
  /** Offer permessage-deflate (default: not offered). */
  readonly deflate?: boolean
  readonly conn: Connection
  readonly timeoutMs?: number
  readonly beforeSend: () => void
}

/** Opens a WebSocket with the `ws` client; a refusal before 101 comes back with its status and body. */
export async function openSocket(url: string, init: OpenInit): Promise<OpenOutcome> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const ws = new WebSocket(url, init.protocols ? [...init.protocols] : [], {
    headers: init.headers,
    ...(init.origin ? { origin: init.origin } : {}),
    perMessageDeflate: init.deflate ?? false,
    handshakeTimeout: init.timeoutMs ?? 10_000,
    ...connectOptions(init.conn),
  })
  let upgradeHeaders: IncomingHttpHeaders = {}
  ws.on('upgrade', (res) => (upgradeHeaders = res.headers))
  return await new Promise<OpenOutcome>((resolve) => {
    let settled = false
    const done = (outcome: OpenOutcome) => {
      if (!settled) resolve(outcome)
      settled = true
    }
    ws.on('open', () =>
      done({
        kind: 'open',
        peer: new Peer(ws, upgradeHeaders, init.beforeSend),
        status: 101,
        latencyMs: elapsed(),
      }),
    )
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      const finish = () => {
        let json: unknown
        try {
          json = JSON.parse(body)
        } catch {
          json = undefined
        }
        done({
          kind: 'refused',
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json,
          latencyMs: elapsed(),
        })
        ws.terminate()
      }
      res.on('end', finish)
      res.on('error', finish)
    })
    ws.on('error', (err: NodeJS.ErrnoException) =>
      done({ kind: 'error', code: err.code ?? 'ERROR', message: err.message, latencyMs: elapsed() }),
    )
  })
}
