import type { CaseContext } from '../context.ts'
import { domainToASCII } from 'node:url'
import { defineCase, expectRefused } from './support.ts'

const T = 15_000
const ORIGIN =
  'WebSocket endpoint › Refusals: "403 Origin present and not allowed … a refused Origin never spends a ticket"'

/**
 * Origins that are not the allowed one but look like it to a careless check (suffix, prefix or substring match,
 * URL parsing that honours userinfo, scheme or port ignored, a list in one header). Upper case of the allowed
 * origin itself is not here: RFC 6454 §4 makes scheme and host case-insensitive, so it names the same origin.
 */
export function lookAlikes(allowed: string): Array<[string, string]> {
  const url = new URL(allowed)
  const port = url.port ? `:${url.port}` : ''
  const otherScheme = url.protocol === 'https:' ? 'http:' : 'https:'
  const otherPort = String((Number(url.port) || (url.protocol === 'https:' ? 443 : 80)) + 1)
  // Cyrillic "а" (U+0430) in place of the first Latin "a" (else in front), sent as a browser would: punycode.
  const homoglyph = domainToASCII(
    url.hostname.includes('a') ? url.hostname.replace('a', '\u0430') : `\u0430${url.hostname}`,
  )
  return [
    ['suffix: allowed host + .evil.test', `${url.protocol}//${url.hostname}.evil.test${port}`],
    ['suffix in upper case', `${url.protocol}//${url.hostname}.evil.test${port}`.toUpperCase()],
    ['prefix: evil + allowed host', `${url.protocol}//evil${url.hostname}${port}`],
    ['subdomain of the allowed host', `${url.protocol}//evil.${url.hostname}${port}`],
    ['allowed origin as userinfo of another host', `${url.protocol}//${url.hostname}${port}@evil.test`],
    ['allowed origin followed by .evil.test', `${allowed}.evil.test`],
    ['other scheme', `${otherScheme}//${url.hostname}${port}`],
    ['other port', `${url.protocol}//${url.hostname}:${otherPort}`],
    ['two origins in one header', `${allowed}, https://evil.test`],
    ['"null" (sandboxed or file page)', 'null'],
    // An IP address has no homoglyph form (domainToASCII answers '').
    ...(homoglyph
      ? [['homoglyph host (Cyrillic а)', `${url.protocol}//${homoglyph}${port}`] as [string, string]]
      : []),
  ]
}

export const foreignOrigin = defineCase({
  id: 'origin.foreign',
  group: 'origin',
  name: 'an upgrade with a valid token from a foreign Origin is refused 403',
  spec: ORIGIN,
  refs: [
    'CWE-1385 (missing Origin validation in WebSockets)',
    'RFC 6455 §4.2.1 and §10.2',
    'OWASP WebSocket Security Cheat Sheet: CSWSH',
  ],
  practices: [3],
  phase: 'main',
  budget: { requests: 4, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'GET /v1/ws (Bearer <access token>, Origin: https://evil.example) → 403',
    'GET /v1/ws (Bearer <access token>, Origin: <origin>) → 101',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const outcome = await ctx.upgrade({ bearer: session.accessToken, origin: 'https://evil.example' })
    expectRefused(ctx, outcome, 403, 'Origin https://evil.example', session.accessToken)
    const control = await ctx.upgrade({
      bearer: session.accessToken,
      origin: ctx.target.origin,
      step: 'the allowed Origin (control)',
    })
    await ctx.expectOpen(control, 'the allowed Origin (control)').close()
  },
})

export const lookAlikeOrigins = defineCase({
  id: 'origin.look-alike',
  group: 'origin',
  name: 'look-alike Origins (suffix, prefix, subdomain, userinfo, scheme, port, homoglyph, lists, null) are refused 403',
  spec: `${ORIGIN}; Configuration: ALLOWED_ORIGINS is a "comma list of exact origins"`,
  refs: ['CWE-1385', 'RFC 6454 §5 (comparing origins)', 'OWASP WSTG-CLNT-10 (testing WebSockets)'],
  practices: [3],
  phase: 'main',
  budget: { requests: 14, frames: 0, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    '11 × GET /v1/ws (Bearer <access token>, Origin: <a look-alike of the allowed origin>) → 403',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    for (const [what, origin] of lookAlikes(ctx.target.origin)) {
      const outcome = await ctx.upgrade({ bearer: session.accessToken, headers: { origin } })
      expectRefused(ctx, outcome, 403, `${what}: ${origin}`, session.accessToken)
    }
  },
})

export const refusedOriginKeepsTicket = defineCase({
  id: 'origin.refused-keeps-ticket',
  group: 'origin',
  name: 'a ticket offered with a foreign Origin is refused 403 and not spent: it still opens a socket from its own Origin',
  spec: ORIGIN,
  refs: ['CWE-1385', 'OWASP WebSocket Security Cheat Sheet: CSWSH'],
  practices: [3, 2],
  phase: 'main',
  budget: { requests: 5, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'POST /v1/auth/ws-ticket (Origin: <origin>)',
    'GET /v1/ws?ticket=<ticket> (Origin: https://evil.example) → 403',
    'GET /v1/ws?ticket=<ticket> (Origin: <origin>) → 101',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const ticket = await ctx.ticket(session)
    expectRefused(
      ctx,
      await ctx.upgrade({ ticket, origin: 'https://evil.example' }),
      403,
      'ticket from a foreign Origin',
      ticket,
    )
    const outcome = await ctx.upgrade({
      ticket,
      origin: ctx.target.origin,
      step: 'the same ticket from its Origin',
    })
    await ctx.expectOpen(outcome, 'the same ticket from its Origin').close()
  },
})

export const apiCors = defineCase({
  id: 'origin.api-cors',
  group: 'origin',
  name: 'the api grants CORS to the allowed origin only, and will not mint a ticket for a foreign Origin',
  spec: 'Configuration: ALLOWED_ORIGINS (exact origins, both apps); HTTP API: ws-ticket "bound to the session (and Origin when sent)"',
  refs: ['OWASP WSTG-CLNT-07 (CORS)', 'CWE-942 (permissive cross-domain policy)'],
  practices: [3],
  phase: 'main',
  budget: { requests: 5, frames: 0, timeoutMs: T },
  sends: [
    'OPTIONS /v1/auth/ws-ticket (Origin: <origin>, preflight) → Access-Control-Allow-Origin: <origin>',
    'OPTIONS /v1/auth/ws-ticket (Origin: https://evil.example, preflight) → no grant',
    'POST /v1/auth/login; POST /v1/auth/ws-ticket (Origin: https://evil.example) → 403',
  ],
  async run(ctx: CaseContext) {
    const preflight = (origin: string) =>
      ctx.api('OPTIONS', '/v1/auth/ws-ticket', {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      })
    const allowed = await preflight(ctx.target.origin)
    const grant = allowed.kind === 'response' ? allowed.headers['access-control-allow-origin'] : undefined
    ctx.evidence({
      step: 'preflight from the allowed origin',
      ...(allowed.kind === 'response' ? { status: allowed.status } : {}),
      detail: `Access-Control-Allow-Origin: ${grant ?? '(none)'}`,
    })
    ctx.check(grant === ctx.target.origin, 'the allowed origin gets no exact Access-Control-Allow-Origin')
    const foreign = await preflight('https://evil.example')
    const leaked = foreign.kind === 'response' ? foreign.headers['access-control-allow-origin'] : undefined
    ctx.evidence({
      step: 'preflight from https://evil.example',
      ...(foreign.kind === 'response' ? { status: foreign.status } : {}),
      detail: `Access-Control-Allow-Origin: ${leaked ?? '(none)'}`,
    })
    ctx.check(
      leaked === undefined,
      `a foreign origin is granted Access-Control-Allow-Origin: ${String(leaked)}`,
    )
    const session = await ctx.login()
    const mint = await ctx.api('POST', '/v1/auth/ws-ticket', {
      token: session.accessToken,
      origin: 'https://evil.example',
    })
    expectRefused(ctx, mint, 403, 'ws-ticket for a foreign Origin', session.accessToken)
  },
})
