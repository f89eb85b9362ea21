import type { CaseContext } from '../context.ts'
import { SUBPROTOCOL } from '@portcullis/protocol'
import { defineCase, expectRefused, fakeTicket } from './support.ts'

const T = 10_000

export const accepted = defineCase({
  id: 'credentials.accepted',
  group: 'credentials',
  name: 'a ticket (with its Origin) and an Authorization bearer token each open a socket whose welcome names the user',
  spec: 'WebSocket endpoint › Credentials, checked before the upgrade: 1. ?ticket= … 3. Authorization: Bearer; a request without Origin is judged by its credential alone',
  refs: ['RFC 6455 §4.2.2', 'OWASP WebSocket Security Cheat Sheet: Authentication'],
  practices: [2, 3],
  phase: 'main',
  budget: { requests: 8, frames: 20, timeoutMs: T },
  sends: [
    'POST /v1/auth/login {username, password}',
    'POST /v1/auth/ws-ticket (Authorization: Bearer <access token>, Origin: <origin>)',
    'GET /v1/ws?ticket=<ticket> (Origin: <origin>) → expects 101 + welcome',
    'GET /v1/ws (Authorization: Bearer <access token>, no Origin) → expects 101 + welcome',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    for (const via of ['ticket', 'header'] as const) {
      const { peer, welcome } = await ctx.connect(session, {
        via,
        step: `upgrade with ${via === 'ticket' ? 'a ticket' : 'Authorization'}`,
      })
      const user = welcome.user as { username?: unknown } | undefined
      ctx.check(
        user?.username === ctx.target.user.username,
        `welcome (${via}) does not name the user who logged in`,
      )
      ctx.check(
        typeof welcome.expiresAt === 'number' && welcome.expiresAt > Date.now() - 60_000,
        `welcome (${via}) has no future expiresAt`,
      )
      await peer.close()
    }
  },
})

export const subprotocol = defineCase({
  id: 'credentials.subprotocol',
  group: 'credentials',
  name: 'the portcullis.bearer subprotocol entry is answered with portcullis.v1 only (the token never echoed) and refused without portcullis.v1',
  spec: 'WebSocket endpoint › Credentials 2: "the server answers with portcullis.v1, never echoes the token; a bearer entry offered without portcullis.v1 is refused (401)"',
  refs: [
    'RFC 6455 §4.2.2 (Sec-WebSocket-Protocol selection)',
    'OWASP WebSocket Security Cheat Sheet: Authentication',
  ],
  practices: [2],
  phase: 'main',
  budget: { requests: 6, frames: 10, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'GET /v1/ws (Sec-WebSocket-Protocol: portcullis.v1, portcullis.bearer.<access token>) → expects 101 selecting portcullis.v1',
    'GET /v1/ws (Sec-WebSocket-Protocol: portcullis.bearer.<access token>) → expects 401',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const { peer } = await ctx.connect(session, { via: 'subprotocol', step: 'portcullis.v1 + bearer entry' })
    const selected = peer.headers['sec-websocket-protocol']
    ctx.check(selected === SUBPROTOCOL, `the server selected "${String(selected)}", not ${SUBPROTOCOL}`)
    await peer.close()
    const alone = await ctx.upgrade({ protocols: [`portcullis.bearer.${session.accessToken}`] })
    expectRefused(ctx, alone, 401, 'bearer entry without portcullis.v1', session.accessToken)
  },
})

export const missingOrInvalid = defineCase({
  id: 'credentials.missing-or-invalid',
  group: 'credentials',
  name: 'no credential, a garbage bearer token, an unknown ticket and Basic auth are each refused 401 before the upgrade',
  spec: 'WebSocket endpoint › Refusals: "401 missing, invalid, expired or revoked credential, or a spent ticket", with a JSON body {error}',
  refs: ['RFC 6750 §3.1', 'RFC 6455 §4.2.1', 'OWASP API2:2023 Broken Authentication'],
  practices: [2],
  phase: 'main',
  budget: { requests: 6, frames: 0, timeoutMs: T },
  sends: [
    'GET /v1/ws with no credential → 401',
    'GET /v1/ws (Authorization: Bearer not-a-jwt) → 401',
    'GET /v1/ws?ticket=<random 256 bits> → 401',
    'GET /v1/ws (Authorization: Basic <conformance:probe>) → 401',
  ],
  async run(ctx: CaseContext) {
    expectRefused(ctx, await ctx.upgrade({}), 401, 'no credential')
    expectRefused(ctx, await ctx.upgrade({ bearer: 'not-a-jwt' }), 401, 'garbage bearer token')
    const ticket = ctx.secret(fakeTicket())
    expectRefused(ctx, await ctx.upgrade({ ticket }), 401, 'unknown ticket', ticket)
    const basic = { authorization: `Basic ${Buffer.from('conformance:probe').toString('base64')}` }
    expectRefused(ctx, await ctx.upgrade({ headers: basic }), 401, 'Basic authentication')
  },
})

export const queryToken = defineCase({
  id: 'credentials.query-token',
  group: 'credentials',
  name: 'in production, a valid access token in ?access_token= is refused',
  spec: 'WebSocket endpoint › Credentials 4: "?access_token=<jwt> — allowed outside production only"; Configuration: production refuses query-string tokens',
  refs: [
    'RFC 6750 §2.3 and §5.3 (tokens in URIs leak to logs)',
    'OWASP WebSocket Security Cheat Sheet: Authentication',
  ],
  practices: [2],
  phase: 'main',
  budget: { requests: 4, frames: 0, timeoutMs: T },
  sends: ['POST /v1/auth/login', 'GET /v1/ws?access_token=<access token> → expects 401 (production profile)'],
  async run(ctx: CaseContext) {
    if (ctx.target.profile !== 'production')
      ctx.skip(
        'development profile: the contract allows ?access_token= outside production (run with --profile production)',
      )
    const session = await ctx.login()
    const outcome = await ctx.upgrade({ query: { access_token: session.accessToken } })
    expectRefused(ctx, outcome, 401, '?access_token=<valid token>', session.accessToken)
  },
})

export const noStore = defineCase({
  id: 'credentials.no-store',
  group: 'credentials',
  name: 'login, refresh and ws-ticket answers carry Cache-Control: no-store',
  spec: 'HTTP API: "Responses that carry a token or ticket send Cache-Control: no-store"',
  refs: ['RFC 6749 §5.1', 'RFC 9111 §5.2.2.5', 'OWASP WSTG-ATHN-06 (browser cache weaknesses)'],
  practices: [2],
  phase: 'main',
  budget: { requests: 4, frames: 0, timeoutMs: T },
  sends: ['POST /v1/auth/login', 'POST /v1/auth/refresh {refreshToken}', 'POST /v1/auth/ws-ticket'],
  async run(ctx: CaseContext) {
    const { user } = ctx.target
    const login = await ctx.api('POST', '/v1/auth/login', {
      body: { username: user.username, password: user.password },
    })
    const session = ctx.sessionFrom(login, 'login')
    const refresh = await ctx.api('POST', '/v1/auth/refresh', {
      body: { refreshToken: session.refreshToken },
    })
    const next = ctx.sessionFrom(refresh, 'refresh')
    const ticket = await ctx.api('POST', '/v1/auth/ws-ticket', {
      token: next.accessToken,
      origin: ctx.target.origin,
    })
    const missing: string[] = []
    for (const [step, res] of [
      ['login', login],
      ['refresh', refresh],
      ['ws-ticket', ticket],
    ] as const) {
      const cc = res.kind === 'response' ? String(res.headers['cache-control'] ?? '') : ''
      ctx.evidence({
        step,
        ...(res.kind === 'response' ? { status: res.status } : {}),
        detail: `Cache-Control: ${cc || '(none)'}`,
      })
      if (!/(^|,)\s*no-store\s*(,|$)/i.test(cc)) missing.push(step)
    }
    ctx.check(missing.length === 0, `no Cache-Control: no-store on ${missing.join(', ')}`)
  },
})

export const adminRoutes = defineCase({
  id: 'credentials.admin-routes',
  group: 'credentials',
  name: 'admin routes refuse a user without the admin role (403) and a request without a token (401)',
  spec: 'HTTP API: admin routes need "Bearer, role admin"; "The current roles in the session store govern admin routes"',
  refs: ['OWASP API5:2023 Broken Function Level Authorization', 'OWASP WSTG-ATHZ-02'],
  practices: [2, 7],
  phase: 'main',
  budget: { requests: 5, frames: 0, timeoutMs: T },
  sends: [
    'POST /v1/auth/login (the ordinary user)',
    'PUT /v1/admin/users/<own id>/roles {roles: [user]} (Bearer <user token>; no change even if wrongly allowed) → 403',
    'DELETE /v1/admin/users/<own id>/sessions (Bearer <user token>; only its own sessions even if wrongly allowed) → 403',
    'PUT /v1/admin/users/<own id>/roles without a token → 401',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    if (session.roles.includes('admin')) ctx.skip('--user holds the admin role: give an ordinary user')
    const user = encodeURIComponent(session.userId)
    // Probes that change nothing even where the control is missing: the same roles, the caller's own sessions.
    const roles = { roles: ['user'] }
    const put = await ctx.api('PUT', `/v1/admin/users/${user}/roles`, {
      token: session.accessToken,
      body: roles,
    })
    expectRefused(ctx, put, 403, 'set roles as a user', session.accessToken)
    const revoke = await ctx.api('DELETE', `/v1/admin/users/${user}/sessions`, { token: session.accessToken })
    expectRefused(ctx, revoke, 403, 'revoke sessions as a user', session.accessToken)
    expectRefused(
      ctx,
      await ctx.api('PUT', `/v1/admin/users/${user}/roles`, { body: roles }),
      401,
      'set roles without a token',
    )
  },
})
