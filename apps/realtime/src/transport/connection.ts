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
  readonly subscriptions = new Set<string>()
  /** Last client data frame (pongs excluded), epoch ms. */
  lastDataAt = this.openedAt
  /** Last pong, epoch ms. */
  lastPongAt = this.openedAt
  readonly log: FastifyBaseLogger
  readonly socket: WebSocket

  #closing = false
  readonly #owner: ConnectionOwner
  readonly #limits: ConnectionLimits
  readonly #bucket: TokenBucket
  readonly #budget: UserBudget
  readonly #invalidAt: number[] = []
  #dropWindowStart = 0
  #drops = 0
  #expiryTimer: NodeJS.Timeout | undefined
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
    budget: UserBudget,
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
    this.#budget = budget
    this.#limits = limits
    this.#bucket = new TokenBucket(limits.msgRatePerS, limits.msgBurst)
    this.log = log
    socket.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary))
    socket.on('pong', () => {
      this.lastPongAt = Date.now()
    })
    socket.on('close', (code, reason) => this.#onClose(code, reason.toString()))
    this.scheduleExpiry()
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

  /** Sends one text frame; a peer whose send buffer passes the bound is closed 1013 (slow consumer). */
  send(frame: string | Buffer): void {
    if (this.#closing) return
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
    this.#clearTimers()
    this.socket.close(code, reason)
  }

  /** Cuts the TCP connection at once (dead peer). */
  terminate(): void {
    this.#closing = true
    this.#clearTimers()
    this.socket.terminate()
  }

  /**
   * (Re)arms ONE timer for the next of `auth.expiring` (EXPIRY_WARNING_S before exp, once per token) and the 4401
   * `token_expired` close (one timer per socket, not two: memory at 10 000 sockets).
   */
  scheduleExpiry(): void {
    this.#clearTimers()
    const warnAt = this.expMs - this.#limits.expiryWarningMs
    const next = this.#warnedFor !== this.expMs && warnAt < this.deadlineMs ? warnAt : this.deadlineMs
    // Timers cannot wait longer than ~24.8 days; a far-away instant is re-armed when the long wait ends.
    this.#expiryTimer = setTimeout(() => this.#onExpiryTimer(), clampDelay(next - Date.now()))
  }

  #onExpiryTimer(): void {
    const now = Date.now()
    if (now >= this.deadlineMs) return this.#expire()
    if (this.#warnedFor !== this.expMs && now >= this.expMs - this.#limits.expiryWarningMs) {
      this.#warnedFor = this.expMs
      this.send(frames.authExpiring(this.expMs))
    }
    this.scheduleExpiry()
  }

  #expire(): void {
    const now = Date.now()
    if (now < this.deadlineMs) return this.scheduleExpiry()
    const why = now >= this.sessionEndsAt ? CLOSE_CODES.sessionExpired : CLOSE_CODES.tokenExpired
    this.close(why.code, why.reason)
  }

  #clearTimers(): void {
    clearTimeout(this.#expiryTimer)
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
    const times = this.#invalidAt
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
    this.#clearTimers()
    this.telemetry?.close({ code, reason })
    this.#owner.closed(this, code, reason)
  }
}

/** Longest delay a Node timer accepts, ms. */
const MAX_TIMER_MS = 2 ** 31 - 1
const clampDelay = (ms: number): number => Math.min(MAX_TIMER_MS, Math.max(0, ms))

const ID_RE = /"id"\s*:\s*"([\x20\x21\x23-\x5b\x5d-\x7e]{1,64})"/

/** The `id` of a dropped frame, found without a full parse (the frame is not processed). */
function readId(data: Buffer): string | undefined {
  if (data.length > 8192) return undefined
  return ID_RE.exec(data.toString('latin1'))?.[1]
}
