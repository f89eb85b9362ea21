import { WebSocket } from 'ws'

/**
 * The lean client: one `ws` socket speaking just enough of each server's protocol to measure it.
 * Replies are matched first-in first-out (every server under test answers a connection's requests in order), so
 * the client never parses a reply on the hot path; it only classifies frames with substring checks.
 */

/** How a server speaks: the baselines' JSON subset, the Portcullis protocol, or Engine.IO 4 / Socket.IO 5 packets. */
export type Dialect = 'echo' | 'portcullis' | 'socketio'

/** The credential a connection presents. */
export type Credential =
  | { kind: 'none' }
  /** `?ticket=` (Portcullis, browsers). */
  | { kind: 'ticket'; value: string }
  /** `Authorization: Bearer` (Portcullis, non-browser clients). */
  | { kind: 'bearer'; value: string }
  /** `Sec-WebSocket-Protocol: portcullis.v1, portcullis.bearer.<jwt>` (Portcullis, browsers). */
  | { kind: 'protocol'; value: string }
  /** The Socket.IO `auth` payload `{ token }`. */
  | { kind: 'auth'; value: string }

/** Where and how to connect. */
export interface ConnectSpec {
  url: string
  dialect: Dialect
  credential: Credential
  /** Sent as `Origin` when set (exercises the origin check). */
  origin?: string
  /** Source address (127.0.0.x) so tens of thousands of connections never run out of ephemeral ports. */
  localAddress?: string
  /** Gives up on a handshake after this long (ms). */
  timeoutMs?: number
  /** Reads a refusal's body into the error (its stable error code), at the cost of waiting for it. */
  explain?: boolean
}

/** Thrown when the server refuses a handshake (HTTP status before 101, or a Socket.IO connect error). */
export class Refused extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

const CHANNEL = 'public:bench'

/** An open, ready connection (Portcullis: `welcome` received; Socket.IO: namespace connected). */
export class Conn {
  readonly ws: WebSocket
  readonly dialect: Dialect
  /** Called for every reply to a request (ping/echo, publish, subscribe, error). */
  onReply: (text: string) => void = () => {}
  /** Called for every server push (channel `message`). */
  onPush: (text: string) => void = () => {}
  /** Resolves with the close code and the `performance.now()` when the socket closed. */
  readonly closed: Promise<{ code: number; at: number }>
  #seq = 0

  constructor(ws: WebSocket, dialect: Dialect) {
    this.ws = ws
    this.dialect = dialect
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number) => resolve({ code, at: performance.now() }))
    })
    ws.on('message', (data: Buffer) => this.#onFrame(data.toString()))
    // A socket error is followed by `close`; without a listener it would crash the load generator.
    ws.on('error', () => {})
  }

  #onFrame(text: string): void {
    if (this.dialect === 'socketio') {
      // Engine.IO: 2 = ping (answer 3), 4 = message; Socket.IO: 42 = event (push), 43 = ack (reply).
      if (text === '2') return void this.ws.send('3')
      if (text.startsWith('43')) return this.onReply(text)
      if (text.startsWith('42')) return this.onPush(text)
      return
    }
    if (text.includes('"type":"message"')) return this.onPush(text)
    if (this.dialect === 'portcullis' && isPortcullisPush(text)) return this.onPush(text)
    this.onReply(text)
  }

  /** Sends one request that the server answers with exactly one reply (ping → pong, or an echo/ack). */
  request(): void {
    const n = ++this.#seq
    if (this.dialect === 'socketio') this.ws.send(`42${n}["echo","${n}"]`)
    else this.ws.send(`{"type":"ping","id":"${n}"}`)
  }

  /** Publishes `text` to the bench channel (one reply: `published` or an ack). */
  publish(text: string): void {
    const n = ++this.#seq
    if (this.dialect === 'socketio') this.ws.send(`42${n}["publish","${CHANNEL}","${text}"]`)
    else this.ws.send(`{"type":"publish","id":"${n}","channel":"${CHANNEL}","text":"${text}"}`)
  }

  /** Subscribes to the bench channel and resolves on the reply (use before any other request on this socket). */
  subscribe(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.onReply = (text) => {
        this.onReply = () => {}
        if (text.includes('"type":"error"')) reject(new Error(`subscribe refused: ${text.slice(0, 200)}`))
        else resolve()
      }
      const n = ++this.#seq
      if (this.dialect === 'socketio') this.ws.send(`42${n}["subscribe","${CHANNEL}"]`)
      else this.ws.send(`{"type":"subscribe","id":"${n}","channel":"${CHANNEL}"}`)
    })
  }

  /** Starts a clean close (1000). */
  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(1000)
  }
}

/** Server pushes that never answer a request (docs/reference/protocol.md); `error` and `unsubscribed` only without an `id`. */
const PUSHES = new Set(['welcome', 'message', 'auth.expiring', 'session.updated'])

function isPortcullisPush(text: string): boolean {
  const at = text.indexOf('"type":"')
  if (at < 0) return true
  const type = text.slice(at + 8, text.indexOf('"', at + 8))
  if (PUSHES.has(type)) return true
  // `error` and `unsubscribed` carry no nested objects, so an `"id"` anywhere is their own request id.
  return (type === 'error' || type === 'unsubscribed') && !text.includes('"id"')
}

/** Extracts the `text` field of a channel message push (the bench puts a sequence number there). */
export function pushedText(frame: string): string | null {
  const at = frame.indexOf('"text":"')
  if (at < 0) return null
  const start = at + 8
  const end = frame.indexOf('"', start)
  return end < 0 ? null : frame.slice(start, end)
}

function buildRequest(spec: ConnectSpec): {
  url: string
  protocols: string[]
  headers: Record<string, string>
} {
  const headers: Record<string, string> = {}
  if (spec.origin) headers.origin = spec.origin
  const protocols: string[] = []
  let url = spec.url
  const cred = spec.credential
  if (spec.dialect === 'portcullis') protocols.push('portcullis.v1')
  if (cred.kind === 'ticket')
    url += `${url.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(cred.value)}`
  else if (cred.kind === 'bearer') headers.authorization = `Bearer ${cred.value}`
  else if (cred.kind === 'protocol') protocols.push(`portcullis.bearer.${cred.value}`)
  return { url, protocols, headers }
}

/** Opens a connection and resolves once it is ready for traffic; rejects with `Refused` on a refusal. */
export function connect(spec: ConnectSpec): Promise<Conn> {
  const { url, protocols, headers } = buildRequest(spec)
  const ws = new WebSocket(url, protocols, {
    headers,
    perMessageDeflate: false,
    localAddress: spec.localAddress,
    handshakeTimeout: spec.timeoutMs ?? 10_000,
    // Upper bound for anything a server under test sends; the bench never sends large frames.
    maxPayload: 1024 * 1024,
    // `wss://` (the `wss` scenario): the bench's throwaway certificate on loopback. Verification would only cost
    // the load generator; every handshake is a full one (no session resumption), the worst case for a server.
    rejectUnauthorized: false,
  })
  const conn = new Conn(ws, spec.dialect)
  return new Promise<Conn>((resolve, reject) => {
    let settled = false
    const done = (err?: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      conn.onPush = () => {}
      if (err) {
        ws.terminate()
        reject(err)
      } else resolve(conn)
    }
    const timer = setTimeout(() => done(new Error('not ready in time')), (spec.timeoutMs ?? 10_000) + 1000)
    ws.once('error', (err: Error) => {
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1]
      done(status ? new Refused(Number(status), err.message) : err)
    })
    ws.once('close', (code: number) => done(new Refused(code, `closed ${code} before ready`)))
    if (spec.explain) {
      ws.on('unexpected-response', (req, res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body = (body + chunk).slice(0, 300)))
        res.on('end', () => {
          req.destroy()
          done(new Refused(res.statusCode ?? 0, `Unexpected server response: ${res.statusCode} ${body}`))
        })
      })
    }
    if (spec.dialect === 'echo') ws.once('open', () => done())
    else if (spec.dialect === 'portcullis') {
      conn.onPush = (text) => {
        if (text.includes('"type":"welcome"')) done()
      }
    } else {
      const token = spec.credential.kind === 'auth' ? spec.credential.value : undefined
      ws.on('message', function onOpen(data: Buffer) {
        const text = data.toString()
        if (text.startsWith('0')) ws.send(token === undefined ? '40' : `40${JSON.stringify({ token })}`)
        else if (text.startsWith('40')) {
          ws.off('message', onOpen)
          done()
        } else if (text.startsWith('44')) {
          ws.off('message', onOpen)
          done(new Refused(401, `socket.io connect_error ${text.slice(2, 200)}`))
        }
      })
    }
  })
}
