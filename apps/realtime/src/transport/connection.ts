import type { WebSocket } from 'ws'
import type { FastifyBaseLogger } from 'fastify'
import { CLOSE_CODES, parseClientMessage, type ClientMessage, type Role } from '@portcullis/protocol'
import { activeMessage, type ConnectionTelemetry } from '@portcullis/telemetry'
import type { Principal } from '../auth/principal.ts'
import { TokenBucket } from '../limits/token-bucket.ts'
import type { UserBudget } from '../limits/user-budget.ts'
import { rtEvent } from '../security-events.ts'
import { frames } from './frames.ts'

/** Per-socket limits, from the config. */
export interface ConnectionLimits {
  maxMessageBytes: number
  idleTimeoutMs: number
  msgRatePerS: number
  msgBurst: number
  sendBufferLimit: number
  expLeewayMs: number
  expiryWarningMs: number
}

/** What a connection asks of the hub (dispatch and bookkeeping), so transport and hub stay separate. */
export interface ConnectionOwner {
  /** The user's shared message budget (asked once, at the socket's first frame: a silent socket holds none). */
  budgetOf(userId: string): UserBudget
  /** Handles a valid message; a returned promise settles when its (async) handling is done. */
  dispatch(conn: Connection, msg: ClientMessage): void | Promise<void>
  closed(conn: Connection, code: number, reason: string): void
}

/** Invalid messages allowed within INVALID_WINDOW_MS before 4400 (docs/reference/protocol.md: ≥ 10 within a minute). */
const INVALID_LIMIT = 10
const INVALID_WINDOW_MS = 60_000
/** Rate drops are counted in windows of this length; more than MSG_BURST in one closes 4429. */
const DROP_WINDOW_MS = 10_000

/**
 * One authenticated socket: rate limits, parsing, invalid-message counting, token lifetime, backpressure.
 * Valid messages go to the owner's `dispatch`. Everything on the per-frame path is synchronous.
 *
 * Memory per idle socket is a target (docs/benchmarks.md): what only an active socket needs (its subscriptions,
 * rate bucket, the user's budget, invalid-message times) is allocated on first use, and the token's expiry is
 * checked by the supervisor's sweep (`checkExpiry`) and before every frame in or out, not by a timer per socket.
 */
export class Connection {
  readonly id: string
  readonly userId: string
  readonly username: string
  readonly sid: string
  readonly ip: string
  /** The `Origin` of the upgrade (null for non-browser clients). */
  readonly origin: string | null
  readonly openedAt = Date.now()
  roles: Role[]
  /** `exp` of the current token, epoch ms. */
  expMs: number
  /** `kid` of the current token (the upgrade's, then each accepted `auth.refresh`'s); null when unknown. */
  kid: string | null
  /** The session's absolute end, epoch ms (SESSION_MAX_AGE_S): no refresh moves the socket past it. */
  sessionEndsAt: number
  /** Channels subscribed here; allocated by the first subscribe (most sockets of a fan-out never have one). */
  subscriptions: Set<string> | undefined
  /** Last client data frame (pongs excluded), epoch ms. */
  lastDataAt = this.openedAt
  /** Last pong, epoch ms. */
  lastPongAt = this.openedAt
  readonly log: FastifyBaseLogger
  readonly socket: WebSocket

  #closing = false
  readonly #owner: ConnectionOwner
  readonly #limits: ConnectionLimits
  #bucket: TokenBucket | undefined
  #budget: UserBudget | undefined
  #invalidAt: number[] | undefined
  #dropWindowStart = 0
  #drops = 0
  /** The `expMs` an `auth.expiring` was sent for (never twice for one token). */
  #warnedFor = 0
  /** Connection span and per-message spans/metrics (absent in unit tests that build a bare connection). */
  readonly telemetry: ConnectionTelemetry | undefined

  constructor(
    socket: WebSocket,
    id: string,
    principal: Principal,
    peer: { ip: string; origin: string | null },
    owner: ConnectionOwner,
    limits: ConnectionLimits,
    log: FastifyBaseLogger,
    telemetry?: ConnectionTelemetry,
  ) {
    this.telemetry = telemetry
    this.socket = socket
    this.id = id
    this.userId = principal.userId
    this.username = principal.username
    this.sid = principal.sid
    this.roles = principal.roles
    this.expMs = principal.expMs
    this.kid = principal.kid
    this.sessionEndsAt = principal.sessionEndsAt
    this.ip = peer.ip
    this.origin = peer.origin
    this.#owner = owner
    this.#limits = limits
    this.log = log
    socket.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary))
    socket.on('pong', () => {
      this.lastPongAt = Date.now()
    })
    socket.on('close', (code, reason) => this.#onClose(code, reason.toString()))
  }

  /** The identity fields every security event about this socket carries. */
  who(): { ip: string; origin: string | null; userId: string; sessionId: string; connectionId: string } {
    return {
      ip: this.ip,
      origin: this.origin,
      userId: this.userId,
      sessionId: this.sid,
      connectionId: this.id,
    }
  }

  get closing(): boolean {
    return this.#closing
  }

  /**
   * The socket closes after this instant, epoch ms: the token's `exp` plus the leeway (4401 `token_expired`), or the
   * session's absolute end when that comes first (4401 `session_expired`).
   */
  get deadlineMs(): number {
    return Math.min(this.expMs + this.#limits.expLeewayMs, this.sessionEndsAt)
  }

  /**
   * Sends one text frame; a peer whose send buffer passes the bound is closed 1013 (slow consumer). Nothing is sent
   * past the deadline: the socket closes 4401 instead, whenever the sweep last ran.
   */
  send(frame: string | Buffer): void {
    if (this.#closing) return
    if (Date.now() > this.deadlineMs) return this.#expire()
    this.socket.send(frame, { binary: false })
    if (this.socket.bufferedAmount > this.#limits.sendBufferLimit) {
      rtEvent(this.log, 'ws.backpressure', {
        reason: 'send_buffer_full',
        ...this.who(),
        bufferedBytes: this.socket.bufferedAmount,
        level: 'warn',
      })
      this.close(CLOSE_CODES.tryAgainLater.code, CLOSE_CODES.tryAgainLater.reason)
    }
  }

  /** Closes with a code and reason; ws cuts a peer that does not answer the close frame (`CLOSE_TIMEOUT_MS`). */
  close(code: number, reason: string): void {
    if (this.#closing) return
    this.#closing = true
    this.socket.close(code, reason)
  }

  /** Cuts the TCP connection at once (dead peer). */
  terminate(): void {
    this.#closing = true
    this.socket.terminate()
  }

  /**
   * Called by the supervisor's sweep (about once a second): sends `auth.expiring` once per token,
   * EXPIRY_WARNING_S before `exp` (unless the deadline comes first), and closes 4401 at the deadline. Frames in and
   * out check the deadline themselves, so the sweep's period never lets an expired socket exchange data.
   */
  checkExpiry(now: number): void {
    if (this.#closing) return
    if (now >= this.deadlineMs) return this.#expire()
    const warnAt = this.expMs - this.#limits.expiryWarningMs
    if (this.#warnedFor !== this.expMs && now >= warnAt) {
      this.#warnedFor = this.expMs
      this.send(frames.authExpiring(this.expMs))
    }
  }

  #expire(): void {
    const why = Date.now() >= this.sessionEndsAt ? CLOSE_CODES.sessionExpired : CLOSE_CODES.tokenExpired
    this.close(why.code, why.reason)
  }

  /** Sends an `error` for an invalid message and closes 4400 at the threshold. */
  rejectInvalid(
    id: string | undefined,
    code: 'invalid_message' | 'forbidden',
    message: string,
    reason: string,
  ): void {
    const now = Date.now()
    activeMessage()?.mark(code === 'forbidden' ? 'forbidden' : 'invalid', reason)
    rtEvent(this.log, 'ws.invalid_message', {
      reason,
      ...this.who(),
      level: 'warn',
    })
    this.send(frames.error(id, code, message))
    const times = (this.#invalidAt ??= [])
    times.push(now)
    if (times.length > INVALID_LIMIT) times.shift()
    if (times.length === INVALID_LIMIT && now - times[0]! <= INVALID_WINDOW_MS) {
      this.close(CLOSE_CODES.invalidMessages.code, CLOSE_CODES.invalidMessages.reason)
    }
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    if (this.#closing) return
    const message = this.telemetry?.message(data.length)
    if (!message) return void this.#handleFrame(data, isBinary)
    // One `ws.message` span per frame (linked to the connection span); it ends when async handling settles.
    message.run(() => {
      const pending = this.#handleFrame(data, isBinary)
      // A failure still ends the span as `error` and then surfaces as before (unhandled rejection).
      if (pending)
        pending.then(
          () => message.end(),
          (err: unknown) => {
            message.end('error')
            throw err
          },
        )
      else message.end()
    })
  }

  #handleFrame(data: Buffer, isBinary: boolean): void | Promise<void> {
    const now = Date.now()
    this.lastDataAt = now
    // Nothing is processed after exp (+ leeway), even if the timer has not fired yet.
    if (now > this.deadlineMs) {
      activeMessage()?.mark('error', 'token_expired')
      return this.#expire()
    }
    if (isBinary) {
      activeMessage()?.mark('invalid', 'binary')
      return this.close(CLOSE_CODES.unsupportedData.code, CLOSE_CODES.unsupportedData.reason)
    }
    // Every frame spends a rate token, invalid ones too.
    this.#bucket ??= new TokenBucket(this.#limits.msgRatePerS, this.#limits.msgBurst, now)
    this.#budget ??= this.#owner.budgetOf(this.userId)
    const wait = this.#bucket.take(now) || this.#budget.take(now)
    if (wait > 0) return this.#dropForRate(now, data, wait)
    const parsed = parseClientMessage(data)
    if (!parsed.ok) {
      // RFC 6455 §8.1: an endpoint MUST fail the connection on a text frame that is not valid UTF-8.
      if (parsed.error.reason === 'not_text') return this.#failInvalidUtf8()
      return this.rejectInvalid(parsed.error.id, 'invalid_message', parsed.error.message, parsed.error.reason)
    }
    activeMessage()?.setType(parsed.message.type)
    return this.#owner.dispatch(this, parsed.message)
  }

  #failInvalidUtf8(): void {
    activeMessage()?.mark('invalid', 'invalid_utf8')
    rtEvent(this.log, 'ws.invalid_message', { reason: 'invalid_utf8', ...this.who(), level: 'warn' })
    this.close(CLOSE_CODES.invalidPayload.code, CLOSE_CODES.invalidPayload.reason)
  }

  #dropForRate(now: number, data: Buffer, wait: number): void {
    activeMessage()?.mark('rate_limited', 'message_rate')
    if (now - this.#dropWindowStart > DROP_WINDOW_MS) {
      this.#dropWindowStart = now
      this.#drops = 0
      rtEvent(this.log, 'ws.rate_limited', { reason: 'message_rate', ...this.who(), level: 'warn' })
    }
    this.#drops += 1
    if (this.#drops > this.#limits.msgBurst) {
      return this.close(CLOSE_CODES.rateLimited.code, CLOSE_CODES.rateLimited.reason)
    }
    this.send(frames.error(readId(data), 'rate_limited', 'message rate exceeded; frame dropped', wait))
  }

  #onClose(code: number, reason: string): void {
    this.#closing = true
    this.telemetry?.close({ code, reason })
    this.#owner.closed(this, code, reason)
  }
}

const ID_RE = /"id"\s*:\s*"([\x20\x21\x23-\x5b\x5d-\x7e]{1,64})"/

/** The `id` of a dropped frame, found without a full parse (the frame is not processed). */
function readId(data: Buffer): string | undefined {
  if (data.length > 8192) return undefined
  return ID_RE.exec(data.toString('latin1'))?.[1]
}
