import type { CaseContext } from '../context.ts'
import { defineCase, expectRefused } from './support.ts'

const T = 15_000
const TICKET =
  'WebSocket endpoint › Credentials 1: "?ticket=<ticket> … consumed atomically (exactly one upgrade per ticket)"'

export const ticketSingleUse = defineCase({
  id: 'credentials.ticket-single-use',
  group: 'credentials',
  name: 'a ticket opens exactly one socket: replaying it is refused 401; it is opaque and long enough for 128 bits',
  spec: `${TICKET}; HTTP API: ws-ticket "opaque, ≥128 random bits, single use"`,
  refs: ['CWE-294 (capture-replay)', 'OWASP WebSocket Security Cheat Sheet: Authentication'],
  practices: [2],
  phase: 'main',
  budget: { requests: 6, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'POST /v1/auth/ws-ticket',
    'GET /v1/ws?ticket=<ticket> → 101',
    'GET /v1/ws?ticket=<same ticket> → 401',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const ticket = await ctx.ticket(session)
    ctx.check(
      ticket.split('.').length !== 3 || !ticket.startsWith('eyJ'),
      'the ticket is a JWT, not an opaque value',
    )
    // 128 bits need ≥ 22 base64url or ≥ 32 hex characters: a shorter ticket cannot hold them.
    ctx.check(
      ticket.length >= 22,
      `the ticket has ${ticket.length} characters: too short to hold 128 random bits`,
    )
    const first = await ctx.upgrade({ ticket, origin: ctx.target.origin, step: 'first redemption' })
    await ctx.expectOpen(first, 'first redemption').close()
    expectRefused(
      ctx,
      await ctx.upgrade({ ticket, origin: ctx.target.origin }),
      401,
      'replayed ticket',
      ticket,
    )
  },
})

export const ticketParallel = defineCase({
  id: 'credentials.ticket-parallel',
  group: 'credentials',
  name: 'ten parallel redemptions of one ticket open exactly one socket; the nine others get 401',
  spec: TICKET,
  refs: ['CWE-367 (time-of-check to time-of-use race)', 'CWE-294'],
  practices: [2, 7],
  phase: 'main',
  budget: { requests: 14, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'POST /v1/auth/ws-ticket',
    '10 × GET /v1/ws?ticket=<the same ticket>, sent at once → one 101, nine 401',
  ],
  async run(ctx: CaseContext) {
    // Pace first: the ticket must not expire while the suite waits under the per-IP limits.
    await ctx.reserveUpgrades(10, 9)
    const session = await ctx.login()
    const ticket = await ctx.ticket(session)
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => ctx.upgrade({ ticket, origin: ctx.target.origin })),
    )
    const statuses = outcomes.map((o) => (o.kind === 'open' ? 101 : o.kind === 'refused' ? o.status : 0))
    ctx.evidence({ step: '10 parallel redemptions', detail: `statuses ${statuses.join(' ')}` })
    ctx.check(
      statuses.filter((s) => s === 101).length === 1,
      `${statuses.filter((s) => s === 101).length} sockets opened with one ticket`,
    )
    for (const o of outcomes) if (o.kind !== 'open') expectRefused(ctx, o, 401, 'a losing redemption', ticket)
  },
})

export const ticketOriginBinding = defineCase({
  id: 'credentials.ticket-origin-binding',
  group: 'credentials',
  name: 'a ticket minted with an Origin works only with that Origin, one minted without only without; a mismatch spends it',
  spec: 'WebSocket endpoint › Credentials 1: "A ticket minted with an Origin is accepted only with that exact Origin, one minted without only without; otherwise 401 (the ticket is spent)"',
  refs: [
    'CWE-1385 (missing Origin validation in WebSockets)',
    'RFC 6455 §10.2',
    'OWASP WebSocket Security Cheat Sheet: CSWSH',
  ],
  practices: [2, 3],
  phase: 'main',
  budget: { requests: 10, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login; 3 × POST /v1/auth/ws-ticket (with and without Origin)',
    'GET /v1/ws?ticket=<minted with Origin> without Origin → 401, then with the Origin → 401 (spent)',
    'GET /v1/ws?ticket=<minted without Origin> with the Origin → 401',
    'GET /v1/ws?ticket=<minted without Origin> without Origin → 101',
  ],
  async run(ctx: CaseContext) {
    await ctx.reserveUpgrades(4, 3)
    const session = await ctx.login()
    const origin = ctx.target.origin
    const bound = await ctx.ticket(session, origin)
    expectRefused(ctx, await ctx.upgrade({ ticket: bound }), 401, 'Origin-bound ticket without Origin', bound)
    expectRefused(
      ctx,
      await ctx.upgrade({ ticket: bound, origin }),
      401,
      'the same ticket, now with its Origin (spent)',
      bound,
    )
    const unbound = await ctx.ticket(session, null)
    expectRefused(
      ctx,
      await ctx.upgrade({ ticket: unbound, origin }),
      401,
      'unbound ticket with an Origin',
      unbound,
    )
    const control = await ctx.ticket(session, null)
    await ctx
      .expectOpen(
        await ctx.upgrade({ ticket: control, step: 'unbound ticket without Origin (control)' }),
        'control',
      )
      .close()
  },
})

export const ticketRevokedSession = defineCase({
  id: 'credentials.ticket-revoked-session',
  group: 'credentials',
  name: 'a ticket of a session that logged out since is refused 401',
  spec: 'WebSocket endpoint › Credentials 1: "A ticket of a session revoked since is refused (401)"',
  refs: ['OWASP WSTG-SESS-06 (logout)', 'OWASP Session Management Cheat Sheet'],
  practices: [2, 7],
  phase: 'main',
  budget: { requests: 6, frames: 0, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'POST /v1/auth/ws-ticket',
    'POST /v1/auth/logout',
    'GET /v1/ws?ticket=<ticket> → 401',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const ticket = await ctx.ticket(session)
    const logout = await ctx.api('POST', '/v1/auth/logout', { token: session.accessToken })
    ctx.check(logout.kind === 'response' && logout.status === 204, 'setup: logout did not answer 204')
    expectRefused(
      ctx,
      await ctx.upgrade({ ticket, origin: ctx.target.origin }),
      401,
      'ticket after logout',
      ticket,
    )
  },
})
