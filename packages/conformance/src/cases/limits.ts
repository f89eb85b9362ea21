import type { CaseContext } from '../context.ts'
import { randomBytes } from 'node:crypto'
import { CLOSE_CODES } from '@portcullis/protocol'
import type { Peer } from '../net/peer.ts'
import { defineCase, describeOutcome, expectRefused, limitsOf, wsUrl } from './support.ts'

const T = 20_000

/** Most frames the message flood sends, whatever the advertised limits: floods stay bounded. */
export const FLOOD_FRAMES = 1000
/** Most upgrade attempts of the connect flood and of the auth-failure flood. */
export const FLOOD_UPGRADES = 200
/** Most tickets the quota case mints, and failed logins the throttle case sends. */
const MAX_TICKETS = 100
const MAX_FAILED_LOGINS = 25

export const messageFlood = defineCase({
  id: 'limits.message-flood',
  group: 'limits',
  name: 'a message flood gets rate_limited errors (with retryAfterMs) and then a 4429 close',
  spec: 'Messages: "frames over the rate are answered with error {code:"rate_limited", retryAfterMs} and dropped"; Close codes: "4429 rate_limited — more than MSG_BURST messages dropped for rate within 10 s"',
  refs: [
    'OWASP API4:2023 Unrestricted Resource Consumption',
    'OWASP WebSocket Security Cheat Sheet: rate limiting',
    'CWE-770',
  ],
  practices: [5],
  phase: 'main',
  budget: { requests: 4, frames: FLOOD_FRAMES + 5, timeoutMs: T },
  sends: [
    `pings as fast as possible: 2 × msgBurst + msgRatePerS + 2 frames from welcome.limits, at most ${FLOOD_FRAMES}`,
    '→ error rate_limited, then close 4429',
  ],
  async run(ctx: CaseContext) {
    const { peer, welcome } = await ctx.connect(await ctx.login(), { keepAlive: false })
    const { msgRatePerS, msgBurst } = limitsOf(ctx, welcome)
    // The burst passes, more than a burst is dropped, plus a second of refill as margin.
    const planned = Math.ceil(2 * msgBurst + msgRatePerS + 2)
    const frames = Math.min(planned, FLOOD_FRAMES)
    const since = performance.now()
    for (let i = 0; i < frames && peer.isOpen; i++) peer.send({ type: 'ping', id: `flood-${i}` })
    const close = await peer.waitClose(5000)
    const limited = peer.seen({ type: 'error', code: 'rate_limited' })
    ctx.evidence({
      step: `${frames} pings`,
      detail: `${peer.seen({ type: 'pong' }).length} pongs, ${limited.length} rate_limited errors`,
    })
    ctx.closeEvidence('after the flood', close, since)
    const advertised = `welcome.limits: msgRatePerS ${msgRatePerS}, msgBurst ${msgBurst}`
    ctx.check(
      limited.length > 0,
      `${frames} frames drew no rate_limited error (${advertised}${planned > FLOOD_FRAMES ? `; the flood stops at ${FLOOD_FRAMES} frames` : ''})`,
    )
    ctx.check(typeof limited[0]!.retryAfterMs === 'number', 'rate_limited error without retryAfterMs')
    const want = CLOSE_CODES.rateLimited
    ctx.check(
      close?.code === want.code && close.reason === want.reason,
      `no ${want.code} ${want.reason} close after ${limited.length} drops (${advertised})`,
    )
  },
})

export const perUserCap = defineCase({
  id: 'limits.per-user-cap',
  group: 'limits',
  name: 'a user past the per-user connection cap gets 429 (+Retry-After) across instances; 403 and 401 still come first; a closed socket frees its slot',
  spec: 'WebSocket endpoint › Refusals: "… 401 …; 429 (+Retry-After) per-user connection limit"; "per-user connection counts are shared by all instances"',
  refs: [
    'OWASP API4:2023 Unrestricted Resource Consumption',
    'OWASP WebSocket Security Cheat Sheet: connection limits',
    'RFC 6585 §4',
  ],
  practices: [5],
  phase: 'main',
  budget: { requests: 70, frames: 300, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'GET /v1/ws (Bearer), alternating --ws URLs, until 429 (at most --max-sockets, default 50)',
    'GET /v1/ws (Bearer, Origin: https://evil.example) at the cap → 403; (Bearer not-a-jwt) → 401',
    'close one; GET /v1/ws → 101',
  ],
  async run(ctx: CaseContext) {
    // Room for the documented default cap (5) and the checks after it, so the token does not expire while pacing.
    await ctx.reserveUpgrades(10, 2)
    const session = await ctx.login()
    const peers: Peer[] = []
    let refusal: Awaited<ReturnType<typeof ctx.upgrade>> | undefined
    for (let i = 0; i <= ctx.target.maxSockets; i++) {
      const outcome = await ctx.upgrade({
        bearer: session.accessToken,
        url: wsUrl(ctx, i),
        limitExpected: true,
      })
      if (outcome.kind !== 'open') {
        refusal = outcome
        break
      }
      const welcome = await outcome.peer
        .next({ type: 'welcome' })
        .catch((err: Error) => ctx.fail(`socket ${i + 1}: ${err.message}`))
      outcome.peer.keepAlive(Math.max(100, Math.min(limitsOf(ctx, welcome).idleTimeoutMs / 3, 10_000)))
      peers.push(outcome.peer)
    }
    ctx.check(refusal, `no cap within ${ctx.target.maxSockets + 1} sockets of one user`)
    ctx.check(peers.length > 0, `the first socket was refused: ${describeOutcome(refusal)}`)
    expectRefused(
      ctx,
      refusal,
      429,
      `socket ${peers.length + 1} (cap is ${peers.length})`,
      session.accessToken,
    )
    const foreign = await ctx.upgrade({ bearer: session.accessToken, origin: 'https://evil.example' })
    expectRefused(
      ctx,
      foreign,
      403,
      'at the cap, from a foreign Origin (403 comes first)',
      session.accessToken,
    )
    expectRefused(
      ctx,
      await ctx.upgrade({ bearer: 'not-a-jwt' }),
      401,
      'at the cap, an invalid token (401 comes first)',
    )
    await peers.shift()!.close()
    const deadline = Date.now() + 3000
    for (;;) {
      const again = await ctx.upgrade({ bearer: session.accessToken, limitExpected: true })
      if (again.kind === 'open') {
        ctx.evidence({ step: 'after closing one socket', status: 101, latencyMs: again.latencyMs })
        break
      }
      ctx.check(
        Date.now() < deadline,
        `a closed socket did not free its slot within 3 s (${describeOutcome(again)})`,
      )
      await ctx.sleep(250)
    }
  },
})

export const ticketQuota = defineCase({
  id: 'limits.ticket-quota',
  group: 'limits',
  name: 'minting tickets beyond the per-session quota answers 429 with Retry-After',
  spec: 'HTTP API: "Tickets and refreshes beyond TICKET_RATE_PER_MIN per session answer 429 (+Retry-After)"',
  refs: ['OWASP API4:2023 Unrestricted Resource Consumption', 'OWASP WSTG-BUSL-05', 'RFC 6585 §4'],
  practices: [5],
  phase: 'main',
  budget: { requests: MAX_TICKETS + 3, frames: 0, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    `POST /v1/auth/ws-ticket repeatedly on one session until 429 (at most ${MAX_TICKETS})`,
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    for (let i = 1; i <= MAX_TICKETS; i++) {
      const res = await ctx.api('POST', '/v1/auth/ws-ticket', {
        token: session.accessToken,
        origin: ctx.target.origin,
      })
      if (res.kind === 'response' && res.status === 200) continue
      expectRefused(ctx, res, 429, `ticket #${i} (after ${i - 1} minted)`, session.accessToken)
      return
    }
    ctx.fail(`${MAX_TICKETS} tickets minted on one session without a 429`)
  },
})

export const loginThrottle = defineCase({
  id: 'limits.login-throttle',
  group: 'limits',
  name: 'failed logins for one username from one address end in 429, which neither another username nor another address inherits',
  spec: 'Configuration: "LOGIN_FAILURES_PER_USERNAME (failed logins per username and client IP … per 15 minutes before 429)"; HTTP API: "Login throttling counts failures for any username, existing or not"',
  refs: [
    'OWASP WSTG-ATHN-03 (weak lock out mechanism)',
    'OWASP Authentication Cheat Sheet: login throttling',
    'CWE-307',
  ],
  practices: [5],
  phase: 'main',
  budget: { requests: MAX_FAILED_LOGINS + 4, frames: 0, timeoutMs: T },
  sends: [
    `POST /v1/auth/login {username: <random unknown name>, password: <wrong>} until 429 (at most ${MAX_FAILED_LOGINS})`,
    'the same from this address for another unknown name → 401',
    'the first name from a second address (loopback runs) → 401',
  ],
  async run(ctx: CaseContext) {
    // Unknown, random names: the suite never locks out a real account, not even its own.
    const name = `conformance-${randomBytes(5).toString('hex')}`
    const attempt = (username: string, source?: string) =>
      ctx.api('POST', '/v1/auth/login', {
        body: { username, password: 'conformance-wrong-password' },
        ...(source ? { source } : {}),
      })
    let failures = 0
    for (;;) {
      const res = await attempt(name)
      if (res.kind === 'response' && res.status === 401 && failures < MAX_FAILED_LOGINS) {
        failures += 1
        continue
      }
      ctx.check(
        failures < MAX_FAILED_LOGINS,
        `${MAX_FAILED_LOGINS} failed logins for one username drew no 429`,
      )
      expectRefused(ctx, res, 429, `login #${failures + 1} for one unknown username`)
      break
    }
    ctx.block(
      `login throttle for a random unknown username after ${failures} failures (no real account affected)`,
    )
    expectRefused(ctx, await attempt(`${name}-b`), 401, 'another unknown username, same address')
    if (!ctx.spareSource)
      return ctx.evidence({ step: 'per-(username, IP)', detail: 'not checked: one client address' })
    expectRefused(
      ctx,
      await attempt(name, ctx.spareSource),
      401,
      'the throttled username from another address',
    )
  },
})

export const connectFlood = defineCase({
  id: 'limits.connect-flood',
  group: 'limits',
  name: 'an upgrade flood from one address ends in 429 (+Retry-After) — ahead of the 403 each attempt would get',
  spec: 'WebSocket endpoint › Refusals: "429 (+Retry-After) blocked IP or per-IP connect rate" before "403 Origin"; CONNECT_RATE_PER_MIN',
  refs: ['OWASP API4:2023 Unrestricted Resource Consumption', 'RFC 6585 §4', 'CWE-770'],
  practices: [5],
  phase: 'blocking',
  budget: { requests: FLOOD_UPGRADES + 2, frames: 0, timeoutMs: 60_000 },
  sends: [
    `GET /v1/ws (Origin: https://evil.example, no credential) one after another until 429, at most ${FLOOD_UPGRADES}`,
  ],
  async run(ctx: CaseContext) {
    const started = performance.now()
    for (let i = 1; i <= FLOOD_UPGRADES; i++) {
      const outcome = await ctx.upgrade({ origin: 'https://evil.example' })
      if (outcome.kind === 'refused' && outcome.status === 403) continue
      expectRefused(ctx, outcome, 429, `attempt #${i} after ${Math.round(performance.now() - started)} ms`)
      return ctx.block(
        `connect rate: 429 after ${i - 1} upgrades`,
        Number(outcome.kind === 'refused' ? outcome.headers['retry-after'] : 0),
      )
    }
    ctx.fail(`${FLOOD_UPGRADES} upgrades in ${Math.round(performance.now() - started)} ms drew no 429`)
  },
})

export const authFailureBlock = defineCase({
  id: 'limits.auth-failure-block',
  group: 'limits',
  name: 'repeated 401s block the address (429 +Retry-After), even for a valid token and ahead of a 403; a malformed handshake is still 400',
  spec: 'WebSocket endpoint › Refusals: "Every 401 counts as a failed authentication for the IP block (AUTH_FAILURES_PER_MIN, then blocked for AUTH_BLOCK_S)"; order 400 → 429 → 403',
  refs: ['OWASP WSTG-ATHN-03', 'OWASP API2:2023 Broken Authentication', 'CWE-307'],
  practices: [5, 2],
  phase: 'blocking',
  budget: { requests: FLOOD_UPGRADES + 6, frames: 0, timeoutMs: 60_000 },
  sends: [
    'POST /v1/auth/login',
    `GET /v1/ws (Bearer not-a-jwt-<n>) until 429, at most ${FLOOD_UPGRADES}`,
    'GET /v1/ws (Bearer <valid token>) → 429; with Origin: https://evil.example → 429; Sec-WebSocket-Version: 8 → 400',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    let failures = 0
    for (;;) {
      const outcome = await ctx.upgrade({ bearer: `not-a-jwt-${failures}` })
      if (outcome.kind === 'refused' && outcome.status === 401 && failures < FLOOD_UPGRADES) {
        failures += 1
        continue
      }
      ctx.check(failures < FLOOD_UPGRADES, `${FLOOD_UPGRADES} failed authentications drew no 429`)
      ctx.check(
        failures > 0,
        `the address was refused before any failure: ${describeOutcome(outcome)} (blocked by an earlier case?)`,
      )
      expectRefused(ctx, outcome, 429, `attempt #${failures + 1} after ${failures} × 401`)
      ctx.block(
        `auth-failure block after ${failures} × 401`,
        Number(outcome.kind === 'refused' ? outcome.headers['retry-after'] : 0),
      )
      break
    }
    expectRefused(
      ctx,
      await ctx.upgrade({ bearer: session.accessToken }),
      429,
      'a valid token while blocked',
      session.accessToken,
    )
    const foreign = await ctx.upgrade({ bearer: session.accessToken, origin: 'https://evil.example' })
    expectRefused(ctx, foreign, 429, 'blocked + foreign Origin (429 before 403)', session.accessToken)
    const bad = await ctx.handshake({ headers: { 'sec-websocket-version': '8' }, paced: false })
    expectRefused(ctx, bad, 400, 'blocked + malformed handshake (400 first)')
  },
})
