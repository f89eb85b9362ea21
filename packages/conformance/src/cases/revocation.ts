import { CLOSE_CODES } from '@portcullis/protocol'
import type { CaseContext, Session } from '../context.ts'
import type { Peer } from '../net/peer.ts'
import { defineCase, describeOutcome, expectRefused, wsUrl } from './support.ts'

const T = 20_000
const REVOKED =
  'Behaviour: "Logout or revocation closes all sockets of that session on every instance (target p99 ≤ 100 ms, never over 1 s)"'

/** One socket of `session` per `--ws` URL (two URLs: two instances). */
async function socketsOn(ctx: CaseContext, session: Session): Promise<Peer[]> {
  const peers: Peer[] = []
  for (let i = 0; i < ctx.target.ws.length; i++)
    peers.push((await ctx.connect(session, { url: wsUrl(ctx, i), step: `socket via --ws #${i + 1}` })).peer)
  return peers
}

/** Every socket closes 4401 session_revoked within the contract's bound, measured from `since`. */
async function expectRevoked(ctx: CaseContext, peers: Peer[], since: number): Promise<void> {
  const bound = ctx.target.revocationBoundMs
  const closes = await Promise.all(peers.map((p) => p.waitClose(Math.max(3 * bound, 3000))))
  closes.forEach((close, i) => ctx.closeEvidence(`socket via --ws #${i + 1}`, close, since))
  const want = CLOSE_CODES.sessionRevoked
  for (const [i, close] of closes.entries()) {
    ctx.check(close, `socket via --ws #${i + 1} stayed open after the revocation`)
    ctx.check(
      close.code === want.code && close.reason === want.reason,
      `socket via --ws #${i + 1} closed ${close.code} ${close.reason}, expected ${want.code} ${want.reason}`,
    )
    const ms = Math.round(close.at - since)
    ctx.check(
      ms <= bound,
      `socket via --ws #${i + 1} closed ${ms} ms after the revocation (contract: never over ${bound} ms)`,
    )
  }
}

export const logout = defineCase({
  id: 'lifetime.logout',
  group: 'lifetime',
  name: 'logout closes every socket of the session (on each --ws URL) with 4401 session_revoked within 1 s, and the token is dead',
  spec: `HTTP API: logout "the session is revoked and every live socket of it is closed"; ${REVOKED}`,
  refs: ['OWASP WSTG-SESS-06 (logout)', 'OWASP Session Management Cheat Sheet: session termination'],
  practices: [7],
  phase: 'main',
  budget: { requests: 10, frames: 50, timeoutMs: T },
  sends: [
    'POST /v1/auth/login; one socket per --ws URL (tickets)',
    'POST /v1/auth/logout → 204; every socket closes 4401 ≤ 1 s',
    'GET /v1/ws (Bearer <the logged-out token>) → 401',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const peers = await socketsOn(ctx, session)
    const since = performance.now()
    const res = await ctx.api('POST', '/v1/auth/logout', { token: session.accessToken })
    ctx.check(res.kind === 'response' && res.status === 204, 'logout did not answer 204')
    await expectRevoked(ctx, peers, since)
    expectRefused(
      ctx,
      await ctx.upgrade({ bearer: session.accessToken }),
      401,
      'the token after logout',
      session.accessToken,
    )
  },
})

export const adminRevocation = defineCase({
  id: 'lifetime.admin-revocation',
  group: 'lifetime',
  name: "an admin's revocation of a session closes its sockets (on each --ws URL) with 4401 session_revoked within 1 s",
  spec: `HTTP API: "DELETE /v1/admin/sessions/:sessionId — 204; that session is revoked"; ${REVOKED}`,
  refs: ['OWASP Session Management Cheat Sheet: session termination', 'OWASP WSTG-SESS-06'],
  practices: [7],
  phase: 'main',
  budget: { requests: 10, frames: 50, timeoutMs: T },
  sends: [
    'POST /v1/auth/login (user and admin); one socket per --ws URL',
    'DELETE /v1/admin/sessions/<session id> (admin) → 204; every socket closes 4401 ≤ 1 s',
  ],
  async run(ctx: CaseContext) {
    const admin = await ctx.login('admin')
    const session = await ctx.login()
    const peers = await socketsOn(ctx, session)
    const since = performance.now()
    const res = await ctx.api('DELETE', `/v1/admin/sessions/${encodeURIComponent(session.sessionId)}`, {
      token: admin.accessToken,
    })
    ctx.check(
      res.kind === 'response' && res.status === 204,
      `the admin revocation answered ${describeOutcome(res)}`,
    )
    await expectRevoked(ctx, peers, since)
  },
})

export const refreshReuse = defineCase({
  id: 'lifetime.refresh-reuse',
  group: 'lifetime',
  name: 're-using a spent refresh token is refused and revokes the whole session: its live socket closes 4401 and the newest refresh token dies',
  spec: 'HTTP API: refresh "the refresh token rotates; re-use of a spent refresh token revokes the whole session (401)"',
  refs: ['RFC 9700 §4.14.2 (refresh token rotation)', 'OWASP Session Management Cheat Sheet'],
  practices: [2, 7],
  phase: 'main',
  budget: { requests: 10, frames: 50, timeoutMs: T },
  sends: [
    'POST /v1/auth/login; POST /v1/auth/refresh → a new pair; a socket with it',
    'POST /v1/auth/refresh {the spent refresh token} → 401; the socket closes 4401',
    'POST /v1/auth/refresh {the newest refresh token} → 401',
  ],
  async run(ctx: CaseContext) {
    const first = await ctx.login()
    const second = ctx.sessionFrom(
      await ctx.api('POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } }),
      'refresh',
    )
    ctx.check(second.refreshToken !== first.refreshToken, 'the refresh token did not rotate')
    const { peer } = await ctx.connect(second)
    const since = performance.now()
    const reuse = await ctx.api('POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken } })
    expectRefused(ctx, reuse, 401, 'the spent refresh token again', first.refreshToken)
    await expectRevoked(ctx, [peer], since)
    const newest = await ctx.api('POST', '/v1/auth/refresh', { body: { refreshToken: second.refreshToken } })
    expectRefused(ctx, newest, 401, 'the newest refresh token of the revoked session', second.refreshToken)
  },
})

export const refreshForeignToken = defineCase({
  id: 'lifetime.refresh-foreign-token',
  group: 'lifetime',
  name: "auth.refresh with a fresh token of the same session moves the expiry; with another session's token it closes 4401 token_invalid",
  spec: 'Behaviour: "auth.refresh with a valid token for the same user and session moves the expiry; any other token closes 4401 token_invalid"',
  refs: ['OWASP Session Management Cheat Sheet: renewal', 'OWASP WSTG-SESS-10'],
  practices: [2, 7],
  phase: 'main',
  budget: { requests: 10, frames: 50, timeoutMs: T },
  sends: [
    'POST /v1/auth/login twice (sessions A and B); a socket of A',
    "POST /v1/auth/refresh (A); auth.refresh {A's new token} → auth.refreshed",
    "auth.refresh {B's token} → close 4401 token_invalid",
  ],
  async run(ctx: CaseContext) {
    const a = await ctx.login()
    const b = await ctx.login()
    const { peer, welcome } = await ctx.connect(a)
    const renewed = ctx.sessionFrom(
      await ctx.api('POST', '/v1/auth/refresh', { body: { refreshToken: a.refreshToken } }),
      'refresh',
    )
    peer.send({ type: 'auth.refresh', id: 'same-session', accessToken: renewed.accessToken })
    const ok = await peer
      .next({ type: 'auth.refreshed', id: 'same-session' })
      .catch((err: Error) => ctx.fail(`same session: ${err.message}`))
    ctx.evidence({
      step: 'auth.refresh, same session',
      detail: `expiresAt moved by ${Number(ok.expiresAt) - Number(welcome.expiresAt)} ms`,
    })
    ctx.check(
      Number(ok.expiresAt) >= Number(welcome.expiresAt),
      'auth.refreshed did not move the expiry forward',
    )
    const since = performance.now()
    peer.send({ type: 'auth.refresh', id: 'other-session', accessToken: b.accessToken })
    const close = await peer.waitClose(3000)
    ctx.closeEvidence("auth.refresh with another session's token", close, since)
    const want = CLOSE_CODES.tokenInvalid
    ctx.check(
      close?.code === want.code && close.reason === want.reason,
      `expected close ${want.code} ${want.reason}`,
    )
  },
})
