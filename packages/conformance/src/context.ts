import { BEARER_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from '@portcullis/protocol'
import { describeOutcome } from './net/describe.ts'
import { send, type Connection, type Outcome } from './net/http.ts'
import type { Pacer } from './net/pacer.ts'
import { openSocket, type CloseInfo, type OpenOutcome, type Peer } from './net/peer.ts'
import type { SecretRegistry } from './secrets.ts'
import type { Session, Target, UpgradeRequest } from './target.ts'
import { wsKey } from './target.ts'
import { Meter } from './meter.ts'
import { CaseFailure, CaseSkip } from './verdicts.ts'
import type { BlockNote, CaseBudget, Evidence } from './types.ts'

export type { Session, Target, UpgradeRequest } from './target.ts'

export { CaseFailure, CaseSkip } from './verdicts.ts'

export interface ContextInit {
  readonly caseId: string
  readonly target: Target
  readonly budget: CaseBudget
  readonly source: string | undefined
  /** A second client address (another "IP"), when the run has addresses to spare. */
  readonly spareSource: string | undefined
  readonly secrets: SecretRegistry
  readonly pacer: Pacer
  /** Flood cases: cross the limits on purpose, without pacing. */
  readonly unpaced: boolean
  readonly onBlock: (note: BlockNote) => void
  readonly signal: AbortSignal
}

/**
 * What a case works with: the target, HTTP and WebSocket helpers that count against the case's budget, pace
 * below the deployment's per-IP limits and register every credential they see, plus evidence and verdicts.
 */
export class CaseContext {
  readonly target: Target
  readonly evidenceLog: Evidence[] = []
  readonly #init: ContextInit
  readonly #peers = new Set<Peer>()
  readonly #meter: Meter

  constructor(init: ContextInit) {
    this.#init = init
    this.target = init.target
    this.#meter = new Meter({
      budget: init.budget,
      pacer: init.pacer,
      key: init.source ?? 'os',
      unpaced: init.unpaced,
      signal: init.signal,
    })
  }

  get source(): string | undefined {
    return this.#init.source
  }

  get signal(): AbortSignal {
    return this.#init.signal
  }

  /** Connection settings from this case's address (or `source`, e.g. the spare one). */
  conn(source = this.#init.source): Connection {
    return { localAddress: source, ca: this.target.ca }
  }

  /** A second client address, or undefined when every case shares one. */
  get spareSource(): string | undefined {
    return this.#init.spareSource
  }

  // ── verdicts and evidence ────────────────────────────────────────────────────────────────────────────────

  evidence(e: Evidence): void {
    this.evidenceLog.push(e)
  }

  /** Fails the case with `message` unless `condition` holds. */
  check(condition: unknown, message: string): asserts condition {
    if (!condition) throw new CaseFailure(message)
  }

  fail(message: string): never {
    throw new CaseFailure(message)
  }

  skip(reason: string): never {
    throw new CaseSkip(reason)
  }

  /** Registers a credential so that no report shows it; returns it. */
  secret<T extends string | undefined>(value: T): T {
    this.#init.secrets.add(value)
    return value
  }

  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
    })
    if (this.signal.aborted) throw new CaseFailure('stopped: the case ran out of time')
  }

  // ── budget and pacing ────────────────────────────────────────────────────────────────────────────────────

  /** Waits until `n` more upgrades (each possibly a failed authentication) fit under the assumed limits. */
  async reserveUpgrades(n: number, authFailures = n): Promise<void> {
    await this.#meter.pace({ upgrade: n, authFailure: authFailures })
  }

  /** Time this case spent waiting for the pacer, ms (not counted against its time limit). */
  get pacedMs(): number {
    return this.#meter.pacedMs
  }

  #afterUpgrade(
    status: number | undefined,
    step: string | undefined,
    retryAfter: unknown,
    expected = false,
  ): void {
    this.#meter.record('upgrade')
    if (status === 401) this.#meter.record('authFailure')
    if (status === 429 && !this.#meter.unpaced && !expected)
      this.block(`unexpected 429 at "${step ?? 'an upgrade'}"`, Number(retryAfter) || undefined)
  }

  /** Notes in the report that this case's address got rate-limited or blocked. */
  block(what: string, retryAfterS?: number): void {
    this.#init.onBlock({
      caseId: this.#init.caseId,
      source: this.#init.source ?? 'the OS-chosen address',
      what,
      ...(retryAfterS ? { retryAfterS } : {}),
    })
  }

  // ── HTTP to the api ──────────────────────────────────────────────────────────────────────────────────────

  /** One api request; tokens and tickets in the answer are registered as secrets. */
  async api(
    method: string,
    path: string,
    o: {
      token?: string
      body?: unknown
      origin?: string
      headers?: Record<string, string>
      source?: string
    } = {},
  ): Promise<Outcome> {
    this.#meter.request()
    if (path === '/v1/auth/login') {
      await this.#meter.pace({ login: 1 }, o.source)
      this.#meter.record('login', o.source)
    }
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers }
    if (o.body !== undefined) headers['content-type'] = 'application/json'
    if (o.token) headers.authorization = `Bearer ${this.secret(o.token)}`
    if (o.origin) headers.origin = o.origin
    const outcome = await send(`${this.target.api}${path}`, {
      method,
      headers,
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
      conn: this.conn(o.source),
    })
    if (outcome.kind === 'response' && typeof outcome.json === 'object' && outcome.json !== null) {
      const j = outcome.json as Record<string, unknown>
      for (const field of ['accessToken', 'refreshToken', 'ticket'])
        if (typeof j[field] === 'string') this.secret(j[field])
    }
    return outcome
  }

  /** A plain GET (or `method`) to any URL of the target, counted against the budget. */
  async request(
    url: string,
    init: { method?: string; headers?: Record<string, string> } = {},
  ): Promise<Outcome> {
    this.#meter.request()
    return await send(url, { ...init, conn: this.conn(), timeoutMs: 5000 })
  }

  /** Logs in (`user` by default); a failed login fails the case as a setup problem. */
  async login(who: 'user' | 'admin' = 'user', source?: string): Promise<Session> {
    const account = who === 'admin' ? this.target.admin : this.target.user
    if (!account) this.skip('needs an admin account (--admin-user, --admin-password)')
    const res = await this.api('POST', '/v1/auth/login', {
      body: { username: account.username, password: account.password },
      ...(source ? { source } : {}),
    })
    return this.sessionFrom(res, `login as ${who}`)
  }

  /** The session in a login or refresh answer; anything but 200 with a token pair fails the case. */
  sessionFrom(res: Outcome, what: string): Session {
    if (res.kind !== 'response' || res.status !== 200)
      this.fail(`setup: ${what} answered ${describeOutcome(res)}`)
    const j = res.json as Record<string, unknown> & { user?: Record<string, unknown> }
    if (typeof j?.accessToken !== 'string' || typeof j.refreshToken !== 'string')
      this.fail(`setup: ${what} answered 200 without a token pair`)
    return {
      accessToken: j.accessToken,
      refreshToken: j.refreshToken,
      sessionId: String(j.sessionId ?? ''),
      userId: String(j.user?.id ?? ''),
      username: String(j.user?.username ?? ''),
      roles: Array.isArray(j.user?.roles) ? (j.user.roles as string[]) : [],
      expiresIn: Number(j.expiresIn),
      obtainedAt: Date.now(),
    }
  }

  /** Mints a ticket (with the target origin unless `origin` is null); anything but 200 fails the case. */
  async ticket(session: Session, origin: string | null = this.target.origin): Promise<string> {
    const res = await this.api('POST', '/v1/auth/ws-ticket', {
      token: session.accessToken,
      ...(origin ? { origin } : {}),
    })
    if (res.kind !== 'response' || res.status !== 200)
      this.fail(`setup: ws-ticket answered ${describeOutcome(res)}`)
    const ticket = (res.json as { ticket?: unknown }).ticket
    if (typeof ticket !== 'string') this.fail('setup: ws-ticket answered 200 without a ticket')
    return ticket
  }

  // ── upgrades ─────────────────────────────────────────────────────────────────────────────────────────────

  /** One upgrade attempt with the `ws` client: open (101), refused (status + body) or a connection error. */
  async upgrade(req: UpgradeRequest): Promise<OpenOutcome> {
    this.#meter.request()
    await this.reserveUpgrades(1)
    const url = new URL(req.url ?? this.target.ws[0]!)
    for (const [k, v] of Object.entries({ ...req.query, ...(req.ticket ? { ticket: req.ticket } : {}) }))
      url.searchParams.set(k, this.secret(v))
    const protocols =
      req.protocols ??
      (req.subprotocolToken
        ? [SUBPROTOCOL, `${BEARER_SUBPROTOCOL_PREFIX}${this.secret(req.subprotocolToken)}`]
        : [SUBPROTOCOL])
    const headers = { ...req.headers }
    if (req.bearer) headers.authorization = `Bearer ${this.secret(req.bearer)}`
    const outcome = await openSocket(url.toString(), {
      headers,
      ...(req.origin ? { origin: req.origin } : {}),
      protocols,
      deflate: req.deflate ?? false,
      conn: this.conn(),
      beforeSend: this.#meter.frame,
    })
    const status = outcome.kind === 'error' ? undefined : outcome.status
    this.#afterUpgrade(
      status,
      req.step,
      outcome.kind === 'refused' ? outcome.headers['retry-after'] : undefined,
      req.limitExpected,
    )
    if (outcome.kind === 'open') this.#peers.add(outcome.peer)
    if (req.step)
      this.evidence({
        step: req.step,
        ...(status ? { status } : { detail: outcome.kind === 'error' ? outcome.code : '' }),
        latencyMs: outcome.latencyMs,
      })
    return outcome
  }

  /**
   * A handshake written by hand (any headers, any path) through Node's HTTP client: for malformed handshakes,
   * other paths and header abuse. `headers` replace the defaults of a well-formed handshake; null drops one.
   */
  async handshake(o: {
    url?: string
    path?: string
    headers?: Record<string, string | null>
    rawHeaders?: readonly string[]
    keepUpgraded?: boolean
    paced?: boolean
  }): Promise<Outcome> {
    this.#meter.request()
    if (o.paced !== false) await this.reserveUpgrades(1)
    const url = new URL(o.url ?? this.target.ws[0]!)
    if (o.path !== undefined) {
      url.pathname = o.path
      url.search = ''
    }
    const base: Record<string, string | null> = {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': wsKey(),
      ...o.headers,
    }
    const headers = Object.fromEntries(
      Object.entries(base).filter((e): e is [string, string] => e[1] !== null),
    )
    for (const v of Object.values(headers)) if (/^Bearer /i.test(v)) this.secret(v.slice(7))
    const outcome = await send(url.toString(), {
      headers: o.rawHeaders ? [...Object.entries(headers).flat(), ...o.rawHeaders] : headers,
      conn: this.conn(),
      keepUpgraded: o.keepUpgraded ?? false,
    })
    if (o.paced !== false)
      this.#afterUpgrade(
        outcome.kind === 'error' ? undefined : outcome.status,
        undefined,
        outcome.kind === 'response' ? outcome.headers['retry-after'] : undefined,
      )
    return outcome
  }

  /** Opens an authenticated socket and waits for `welcome` (keeping it alive against a short idle timeout). */
  async connect(
    session: Session,
    o: { via?: 'ticket' | 'header' | 'subprotocol'; url?: string; step?: string; keepAlive?: boolean } = {},
  ): Promise<{ peer: Peer; welcome: Record<string, unknown> }> {
    const via = o.via ?? 'ticket'
    const req: UpgradeRequest =
      via === 'ticket'
        ? { ticket: await this.ticket(session), origin: this.target.origin }
        : via === 'header'
          ? { bearer: session.accessToken }
          : { subprotocolToken: session.accessToken }
    const outcome = await this.upgrade({
      ...req,
      ...(o.url ? { url: o.url } : {}),
      ...(o.step ? { step: o.step } : {}),
    })
    const peer = this.expectOpen(outcome, o.step ?? `connect (${via})`)
    const welcome = await peer
      .next({ type: 'welcome' })
      .catch((err: Error) => this.fail(`no welcome: ${err.message}`))
    const limits = welcome.limits as { idleTimeoutMs?: number } | undefined
    const idle = Number(limits?.idleTimeoutMs)
    if ((o.keepAlive ?? true) && idle > 0) peer.keepAlive(Math.max(100, Math.min(idle / 3, 10_000)))
    return { peer, welcome }
  }

  /** The open socket of an upgrade, or the case fails saying what came back instead. */
  expectOpen(outcome: OpenOutcome, step: string): Peer {
    if (outcome.kind === 'open') return outcome.peer
    this.fail(
      `${step}: expected 101, got ${outcome.kind === 'refused' ? `${outcome.status} ${outcome.body.slice(0, 120)}` : outcome.code}`,
    )
  }

  /** Records a close as evidence; `since` is a `performance.now()` instant to measure latency from. */
  closeEvidence(step: string, close: CloseInfo | null, since?: number): void {
    this.evidence({
      step,
      ...(close ? { closeCode: close.code, closeReason: close.reason } : { detail: 'still open' }),
      ...(close && since !== undefined ? { latencyMs: Math.round(close.at - since) } : {}),
    })
  }

  /** Frames outside the protocol seen on any socket of this case (checked by the runner after the case). */
  protocolViolations(): string[] {
    return [...this.#peers].flatMap((p) => p.violations)
  }

  /** Closes every socket the case opened. */
  async cleanup(): Promise<void> {
    await Promise.all([...this.#peers].map((p) => p.close()))
  }
}
