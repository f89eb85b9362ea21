import { CLOSE_CODES } from '@portcullis/protocol'
import type { CaseContext } from '../context.ts'
import { defineCase, limitsOf } from './support.ts'

// Lifetimes that must end on time: an idle socket, an expired token (and one that was refreshed in time).

/** Skips unless waiting `ms` fits in `--max-wait-s`. */
function withinWait(ctx: CaseContext, ms: number, what: string): void {
  if (ms > ctx.target.maxWaitMs)
    ctx.skip(`${what}: waiting ${Math.ceil(ms / 1000)} s exceeds --max-wait-s ${ctx.target.maxWaitMs / 1000}`)
}

export const idleClose = defineCase({
  id: 'lifetime.idle',
  group: 'lifetime',
  name: 'a socket that sends nothing is closed 4408 idle_timeout after welcome.limits.idleTimeoutMs (automatic pongs do not count)',
  spec: 'Close codes: "4408 idle_timeout — no client data frame for IDLE_TIMEOUT_MS (pongs do not count)"',
  refs: [
    'OWASP WebSocket Security Cheat Sheet: connection lifecycle',
    'OWASP Session Management Cheat Sheet: idle timeout',
    'CWE-613',
  ],
  practices: [8],
  phase: 'waiting',
  budget: { requests: 4, frames: 0, timeoutMs: 10_000 },
  sends: [
    'POST /v1/auth/login; a socket',
    '(sends nothing for idleTimeoutMs, if within --max-wait-s) → close 4408',
  ],
  async run(ctx: CaseContext) {
    const { peer, welcome } = await ctx.connect(await ctx.login(), { keepAlive: false })
    const since = performance.now()
    const { idleTimeoutMs } = limitsOf(ctx, welcome)
    withinWait(ctx, idleTimeoutMs * 1.5 + 3000, `idleTimeoutMs is ${idleTimeoutMs}`)
    const close = await peer.waitClose(idleTimeoutMs * 1.5 + 3000)
    ctx.closeEvidence(`idle (idleTimeoutMs ${idleTimeoutMs})`, close, since)
    const want = CLOSE_CODES.idleTimeout
    ctx.check(
      close?.code === want.code && close.reason === want.reason,
      `expected close ${want.code} ${want.reason} within 1.5 × idleTimeoutMs + 3 s`,
    )
    ctx.check(
      close.at - since >= idleTimeoutMs * 0.9,
      `closed after ${Math.round(close.at - since)} ms, before idleTimeoutMs`,
    )
  },
})

export const expiry = defineCase({
  id: 'lifetime.expiry',
  group: 'lifetime',
  name: 'without auth.refresh, a socket gets auth.expiring before exp and is closed 4401 token_expired within 5 s after it',
  spec: 'Behaviour: "auth.expiring is sent EXPIRY_WARNING_S before exp … Nothing is processed after exp (plus the ≤ 5 s leeway)"; Close codes: 4401 token_expired',
  refs: ['RFC 7519 §4.1.4', 'OWASP Session Management Cheat Sheet: absolute timeout'],
  practices: [2, 7],
  phase: 'waiting',
  budget: { requests: 4, frames: 200, timeoutMs: 10_000 },
  sends: [
    'POST /v1/auth/login; a socket (kept busy with pings)',
    '(waits until exp + 5 s, if within --max-wait-s) → auth.expiring, then close 4401 token_expired',
  ],
  async run(ctx: CaseContext) {
    const { peer, welcome } = await ctx.connect(await ctx.login())
    const exp = Number(welcome.expiresAt)
    withinWait(
      ctx,
      exp + 7000 - Date.now(),
      `the token expires in ${Math.round((exp - Date.now()) / 1000)} s`,
    )
    const warning = await peer
      .next({ type: 'auth.expiring' }, Math.max(1000, exp - Date.now()))
      .catch((err: Error) => ctx.fail(`no auth.expiring before exp: ${err.message}`))
    ctx.evidence({ step: 'auth.expiring', detail: `${exp - Date.now()} ms before exp` })
    ctx.check(Number(warning.expiresAt) === exp, 'auth.expiring names another expiresAt than welcome')
    const close = await peer.waitClose(exp + 8000 - Date.now())
    ctx.evidence({
      step: 'close',
      ...(close ? { closeCode: close.code, closeReason: close.reason } : { detail: 'still open' }),
      detail: `${Date.now() - exp} ms after exp`,
    })
    const want = CLOSE_CODES.tokenExpired
    ctx.check(
      close?.code === want.code && close.reason === want.reason,
      `expected close ${want.code} ${want.reason} within exp + 5 s (+3 s margin)`,
    )
    // Client and server clocks may differ a little: a second of slack before exp.
    ctx.check(Date.now() >= exp - 1000, `closed ${exp - Date.now()} ms before exp`)
  },
})

export const expiryRefresh = defineCase({
  id: 'lifetime.expiry-refresh',
  group: 'lifetime',
  name: 'auth.refresh shortly before exp keeps the socket open and working past the old exp + 5 s',
  spec: 'Behaviour: "auth.refresh with a valid token for the same user and session moves the expiry"',
  refs: ['OWASP Session Management Cheat Sheet: renewal', 'RFC 7519 §4.1.4'],
  practices: [2, 7],
  phase: 'waiting',
  budget: { requests: 6, frames: 200, timeoutMs: 10_000 },
  sends: [
    'POST /v1/auth/login; a socket',
    'at auth.expiring, ≤ 3 s before exp: POST /v1/auth/refresh; auth.refresh {new token} → auth.refreshed',
    'past the old exp + 5 s: ping → pong',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const { peer, welcome } = await ctx.connect(session)
    const exp = Number(welcome.expiresAt)
    withinWait(
      ctx,
      exp + 7000 - Date.now(),
      `the token expires in ${Math.round((exp - Date.now()) / 1000)} s`,
    )
    await peer
      .next({ type: 'auth.expiring' }, Math.max(1000, exp - Date.now()))
      .catch((err: Error) => ctx.fail(`no auth.expiring before exp: ${err.message}`))
    // Refresh late, so that the new token clearly outlives the old deadline.
    await ctx.sleep(Math.max(0, exp - 3000 - Date.now()))
    const renewed = ctx.sessionFrom(
      await ctx.api('POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } }),
      'refresh',
    )
    peer.send({ type: 'auth.refresh', id: 'renew', accessToken: renewed.accessToken })
    const refreshed = await peer
      .next({ type: 'auth.refreshed', id: 'renew' })
      .catch((err: Error) => ctx.fail(`auth.refresh: ${err.message}`))
    const newExp = Number(refreshed.expiresAt)
    ctx.evidence({ step: 'auth.refreshed', detail: `expiresAt moved by ${newExp - exp} ms` })
    ctx.check(newExp > exp, 'auth.refreshed did not move expiresAt')
    await ctx.sleep(Math.max(0, exp + 5000 + Math.min(1000, (newExp - exp) / 2) - Date.now()))
    ctx.check(peer.isOpen, 'the refreshed socket was closed at the old expiry')
    peer.send({ type: 'ping', id: 'after-old-exp' })
    await peer
      .next({ type: 'pong', id: 'after-old-exp' }, 3000)
      .catch((err: Error) => ctx.fail(`past the old exp: ${err.message}`))
    ctx.evidence({ step: 'ping past the old exp + 5 s', detail: 'pong' })
  },
})
