import type { JsonWebKey } from 'node:crypto'
import type { CaseContext, Session } from '../context.ts'
import {
  algNone,
  decodeJwt,
  hmacSigned,
  keyConfusionSecrets,
  selfSigned,
  withClaims,
  withHeader,
} from '@portcullis/tokens/testing'
import { defineCase, expect401, expectGenuineAccepted, expectRefused } from './support.ts'

// Every case here forges from a real token the suite logged in for: what an attacker holding one can do
// without the signing key. Each ends with the genuine token, to show the refusals were about the forgery.

const T = 15_000
const VERIFIER =
  'Access tokens: "Verifiers pin the algorithm list, require exp, check iss/aud, reject none, HMAC and unknown kid/crit"'

/** Most forgeries one case sends (plus the genuine token): room for them is reserved before the login. */
const MAX_FORGERIES = 7

/** Login, then the case's forgeries (each 401), then the genuine token (101). */
async function forgeries(
  ctx: CaseContext,
  make: (session: Session) => Promise<Array<[string, string]>> | Array<[string, string]>,
): Promise<void> {
  // Pace first: a short-lived token must not expire while the suite waits under the per-IP limits.
  await ctx.reserveUpgrades(MAX_FORGERIES + 1, MAX_FORGERIES)
  const session = await ctx.login()
  ctx.check(session.accessToken.split('.').length === 3, 'the access token is not a compact JWS')
  const forged = await make(session)
  ctx.check(
    forged.length <= MAX_FORGERIES,
    `a suite bug: ${forged.length} forgeries, room for ${MAX_FORGERIES}`,
  )
  for (const [step, token] of forged) await expect401(ctx, step, ctx.secret(token))
  await expectGenuineAccepted(ctx, session)
}

export const algNoneCase = defineCase({
  id: 'credentials.alg-none',
  group: 'credentials',
  name: 'tokens with alg "none" (any spelling, signature dropped or kept) are refused',
  spec: VERIFIER,
  refs: ['RFC 8725 §2.1 and §3.1', 'RFC 7518 §3.6', 'OWASP WSTG-SESS-10 (JSON Web Tokens)', 'CWE-347'],
  practices: [2],
  phase: 'main',
  budget: { requests: 8, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    '4 × GET /v1/ws (Authorization: Bearer <token with alg none/None/NONE>) → 401',
    'GET /v1/ws (Bearer <genuine token>) → 101',
  ],
  async run(ctx: CaseContext) {
    await forgeries(ctx, ({ accessToken: t }) => [
      ['alg "none", no signature', algNone(t, 'none')],
      ['alg "None", no signature', algNone(t, 'None')],
      ['alg "NONE", no signature', algNone(t, 'NONE')],
      ['alg "none", original signature kept', algNone(t, 'none', true)],
    ])
  },
})

export const hmacKeyConfusion = defineCase({
  id: 'credentials.hmac-key-confusion',
  group: 'credentials',
  name: 'tokens MAC-ed with HS256/HS384/HS512 using the published public key are refused (key confusion)',
  spec: VERIFIER,
  refs: ['RFC 8725 §2.1 and §3.1 (perform algorithm verification)', 'OWASP WSTG-SESS-10', 'CWE-347'],
  practices: [2],
  phase: 'main',
  budget: { requests: 10, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'GET /.well-known/jwks.json',
    '6 × GET /v1/ws (Bearer <same claims, HS256/384/512 with the public key as PEM/DER/JWK text>) → 401',
    'GET /v1/ws (Bearer <genuine token>) → 101',
  ],
  async run(ctx: CaseContext) {
    await forgeries(ctx, async ({ accessToken: t }) => {
      const res = await ctx.api('GET', '/.well-known/jwks.json')
      const keys =
        res.kind === 'response' ? (res.json as { keys?: JsonWebKey[] } | undefined)?.keys : undefined
      ctx.check(Array.isArray(keys) && keys.length > 0, 'setup: the JWKS lists no keys')
      const kid = decodeJwt(t).header.kid
      const jwk = keys.find((k) => (k as { kid?: unknown }).kid === kid) ?? keys[0]!
      const secrets = keyConfusionSecrets(jwk)
      return [
        ...secrets.map(([form, secret]): [string, string] => [
          `HS256 keyed with the public key (${form})`,
          hmacSigned(t, 'HS256', secret),
        ]),
        ['HS384 keyed with the public key (PEM)', hmacSigned(t, 'HS384', secrets[0]![1])],
        ['HS512 keyed with the public key (PEM)', hmacSigned(t, 'HS512', secrets[0]![1])],
      ]
    })
  },
})

export const tamperedClaims = defineCase({
  id: 'credentials.tampered-claims',
  group: 'credentials',
  name: 'a genuine token with changed sub, sid, roles or exp (original signature) is refused',
  spec: `${VERIFIER}; claims iss, aud, sub, sid, roles, iat, nbf, exp, jti`,
  refs: ['RFC 7515 §5.2 (signature validation)', 'OWASP WSTG-SESS-10', 'CWE-347'],
  practices: [2],
  phase: 'main',
  budget: { requests: 8, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    '4 × GET /v1/ws (Bearer <token with one claim changed, original signature>) → 401',
    'GET /v1/ws (Bearer <genuine token>) → 101',
  ],
  async run(ctx: CaseContext) {
    await forgeries(ctx, ({ accessToken: t }) => {
      const { payload } = decodeJwt(t)
      return [
        ['sub changed to another user', withClaims(t, { sub: `${String(payload.sub)}-other` })],
        ['sid changed to another session', withClaims(t, { sid: `${String(payload.sid)}x` })],
        ['roles raised to admin', withClaims(t, { roles: ['user', 'admin'] })],
        ['exp pushed a day later', withClaims(t, { exp: Number(payload.exp) + 86_400 })],
      ]
    })
  },
})

export const wrongAudienceIssuer = defineCase({
  id: 'credentials.wrong-audience-issuer',
  group: 'credentials',
  name: 'a token naming another audience or issuer is refused (tampered claims; a black box cannot sign them)',
  spec: `${VERIFIER}`,
  refs: [
    'RFC 8725 §3.8 (validate issuer) and §3.9 (use and validate audience)',
    'RFC 7519 §4.1.1, §4.1.3',
    'OWASP WSTG-SESS-10',
  ],
  practices: [2],
  phase: 'main',
  budget: { requests: 8, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    '4 × GET /v1/ws (Bearer <token with aud/iss changed or removed, original signature>) → 401',
    'GET /v1/ws (Bearer <genuine token>) → 101',
  ],
  async run(ctx: CaseContext) {
    await forgeries(ctx, ({ accessToken: t }) => [
      ['aud changed', withClaims(t, { aud: 'another-service' })],
      ['aud removed', withClaims(t, { aud: undefined })],
      ['iss changed', withClaims(t, { iss: 'https://attacker.invalid' })],
      ['iss removed', withClaims(t, { iss: undefined })],
    ])
  },
})

export const unknownKey = defineCase({
  id: 'credentials.unknown-key',
  group: 'credentials',
  name: 'tokens with an unknown kid, signed by a key the deployment never published, or carrying their own key (jwk, jku) are refused',
  spec: VERIFIER,
  refs: ['RFC 7515 §4.1.2–4.1.4 (jku, jwk, kid)', 'RFC 8725 §3.10 (do not trust received claims)', 'CWE-347'],
  practices: [2],
  phase: 'main',
  budget: { requests: 8, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'GET /v1/ws (Bearer <genuine token, kid replaced>) → 401',
    '4 × GET /v1/ws (Bearer <same claims ES256-signed by a key the suite made: random kid, the real kid, embedded jwk, jku>) → 401',
    'GET /v1/ws (Bearer <genuine token>) → 101',
  ],
  async run(ctx: CaseContext) {
    await forgeries(ctx, ({ accessToken: t }) => {
      const { header, payload } = decodeJwt(t)
      return [
        ['kid replaced by an unknown one', withHeader(t, { kid: 'conformance-unknown-kid' })],
        ['signed by an unpublished key (random kid)', selfSigned(payload)],
        ['signed by an unpublished key under the real kid', selfSigned(payload, { kid: header.kid })],
        ['own public key embedded (jwk header)', selfSigned(payload, {}, 'jwk')],
        ['own key set pointed to (jku header)', selfSigned(payload, {}, 'jku')],
      ]
    })
  },
})

export const expiredToken = defineCase({
  id: 'credentials.expired-token',
  group: 'credentials',
  name: 'a genuine access token is refused once its exp (plus at most 5 s leeway) has passed',
  spec: 'Access tokens: "require exp … exp at most 5 s" of leeway "at the upgrade and on live sockets alike"',
  refs: ['RFC 7519 §4.1.4', 'OWASP WSTG-SESS-10'],
  practices: [2],
  phase: 'waiting',
  budget: { requests: 4, frames: 5, timeoutMs: 15_000 },
  sends: [
    'POST /v1/auth/login',
    '(waits expiresIn + 6 s, if within --max-wait-s)',
    'GET /v1/ws (Bearer <the now expired token>) → 401',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const waitMs = session.expiresIn * 1000 + 6000 - (Date.now() - session.obtainedAt)
    if (!(waitMs <= ctx.target.maxWaitMs))
      ctx.skip(
        `expiresIn is ${session.expiresIn} s: waiting it out exceeds --max-wait-s ${ctx.target.maxWaitMs / 1000}`,
      )
    await ctx.sleep(waitMs)
    const outcome = await ctx.upgrade({ bearer: session.accessToken })
    expectRefused(
      ctx,
      outcome,
      401,
      `token ${Math.round(waitMs / 1000)} s later (past exp + 5 s)`,
      session.accessToken,
    )
  },
})
