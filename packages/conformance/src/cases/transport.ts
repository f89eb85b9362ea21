import { isIP } from 'node:net'
import { connect, type SecureVersion } from 'node:tls'
import type { CaseContext } from '../context.ts'
import type { Outcome } from '../net/http.ts'
import { defineCase, describeOutcome } from './support.ts'

const T = 20_000

/** Every URL the run was given. */
const urls = (ctx: CaseContext): string[] => [ctx.target.api, ...ctx.target.ws]

/** Distinct host:port of the https/wss URLs. */
function tlsEndpoints(ctx: CaseContext): Array<{ host: string; port: number }> {
  const seen = new Map<string, { host: string; port: number }>()
  for (const raw of urls(ctx)) {
    const url = new URL(raw)
    if (url.protocol !== 'https:' && url.protocol !== 'wss:') continue
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const port = Number(url.port) || 443
    seen.set(`${host}:${port}`, { host, port })
  }
  return [...seen.values()]
}

function needTls(ctx: CaseContext): Array<{ host: string; port: number }> {
  const endpoints = tlsEndpoints(ctx)
  if (endpoints.length === 0) ctx.skip('no https/wss URL given')
  return endpoints
}

/** Errors that mean this client could not even offer the version (so nothing was learnt about the server). */
const LOCAL_TLS_ERRORS = new Set(['ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'ERR_SSL_NO_CIPHERS_AVAILABLE'])

/** One TLS handshake limited to `min`–`max`; resolves with the negotiated protocol or the error code. */
function tlsProbe(
  ctx: CaseContext,
  host: string,
  port: number,
  min: SecureVersion,
  max: SecureVersion,
  verify: boolean,
): Promise<{ ok: true; protocol: string; cipher: string } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      minVersion: min,
      maxVersion: max,
      // Security level 0 lets this client offer what old servers would accept; nothing is sent on it.
      ...(verify ? {} : { ciphers: 'DEFAULT@SECLEVEL=0' }),
      rejectUnauthorized: verify,
      ...(ctx.target.ca ? { ca: [...ctx.target.ca] } : {}),
      ...(ctx.source ? { localAddress: ctx.source, family: 4 } : {}),
      timeout: 5000,
    })
    const done = (result: { ok: true; protocol: string; cipher: string } | { ok: false; code: string }) => {
      socket.destroy()
      resolve(result)
    }
    socket.once('secureConnect', () =>
      done({ ok: true, protocol: socket.getProtocol() ?? '?', cipher: socket.getCipher().name }),
    )
    socket.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, code: err.code ?? err.message }))
    socket.once('timeout', () => done({ ok: false, code: 'TIMEOUT' }))
  })
}

export const tlsRequired = defineCase({
  id: 'transport.tls-required',
  group: 'transport',
  name: 'in production, every URL of the deployment is https/wss',
  spec: 'Configuration: "NODE_ENV=production refuses to start on unsafe settings: no TLS and no TLS_TERMINATED_BY_PROXY"',
  refs: ['OWASP WebSocket Security Cheat Sheet: always use WSS', 'CWE-319', 'RFC 6455 §10.6'],
  practices: [1],
  phase: 'main',
  budget: { requests: 0, frames: 0, timeoutMs: T },
  sends: ['nothing: reads the URLs given'],
  async run(ctx: CaseContext) {
    const plain = urls(ctx).filter((u) => /^(http|ws):/.test(u))
    ctx.evidence({
      step: 'URLs',
      detail: plain.length === 0 ? 'all https/wss' : `plaintext: ${plain.join(', ')}`,
    })
    if (plain.length > 0 && ctx.target.profile === 'development')
      ctx.skip('development profile: plaintext URLs are allowed outside production')
    ctx.check(plain.length === 0, `plaintext URLs in production: ${plain.join(', ')}`)
  },
})

export const tlsVersions = defineCase({
  id: 'transport.tls-versions',
  group: 'transport',
  name: 'each TLS endpoint completes a verified TLS ≥ 1.2 handshake and refuses TLS 1.0 and 1.1',
  spec: 'Behaviour (threat model practice 1): TLS 1.2+ at the edge; Configuration: TLS_CERT_FILE / TLS_TERMINATED_BY_PROXY',
  refs: [
    'RFC 8996 (TLS 1.0 and 1.1 deprecated)',
    'RFC 9325 §3.1',
    'OWASP WSTG-CRYP-01',
    'OWASP Transport Layer Security Cheat Sheet',
  ],
  practices: [1],
  phase: 'main',
  budget: { requests: 0, frames: 0, timeoutMs: T },
  sends: [
    'per https/wss host:port: a TLS ≥ 1.2 handshake (certificate verified), a TLS 1.0-only and a TLS 1.1-only ClientHello; no HTTP',
  ],
  async run(ctx: CaseContext) {
    for (const { host, port } of needTls(ctx)) {
      const modern = await tlsProbe(ctx, host, port, 'TLSv1.2', 'TLSv1.3', true)
      ctx.evidence({
        step: `${host}:${port} TLS ≥ 1.2`,
        detail: modern.ok ? `${modern.protocol} ${modern.cipher}` : modern.code,
      })
      ctx.check(
        modern.ok,
        `${host}:${port}: no verified TLS ≥ 1.2 handshake (${modern.ok ? '' : modern.code}; pass --ca for a private CA)`,
      )
      for (const version of ['TLSv1', 'TLSv1.1'] as const) {
        const old = await tlsProbe(ctx, host, port, version, version, false)
        ctx.evidence({
          step: `${host}:${port} ${version} only`,
          detail: old.ok ? `accepted (${old.protocol})` : `refused (${old.code})`,
        })
        if (!old.ok && LOCAL_TLS_ERRORS.has(old.code))
          ctx.skip(`this Node/OpenSSL cannot offer ${version} (${old.code})`)
        ctx.check(!old.ok, `${host}:${port} accepts ${version}`)
      }
    }
  },
})

export const hsts = defineCase({
  id: 'transport.hsts',
  group: 'transport',
  name: 'https answers of the api and of the realtime endpoint carry Strict-Transport-Security with a max-age',
  spec: 'Threat model practice 1: "the api sends HSTS … realtime: HSTS on its https answers"; the edge proxy sends HSTS',
  refs: ['RFC 6797 §6.1', 'OWASP WSTG-CONF-07', 'OWASP HTTP Strict Transport Security Cheat Sheet'],
  practices: [1],
  phase: 'main',
  budget: { requests: 4, frames: 0, timeoutMs: T },
  sends: [
    'GET <api>/.well-known/jwks.json (if https)',
    'GET <each wss URL> without a credential (a 401 refusal, if wss)',
  ],
  async run(ctx: CaseContext) {
    needTls(ctx)
    const probes: Array<[string, Promise<Outcome>]> = []
    if (ctx.target.api.startsWith('https:'))
      probes.push(['api JWKS', ctx.api('GET', '/.well-known/jwks.json')])
    for (const url of ctx.target.ws.filter((u) => u.startsWith('wss:')))
      probes.push([`refused upgrade at ${url}`, ctx.handshake({ url, paced: true })])
    for (const [step, pending] of probes) {
      const res = await pending
      const sts = res.kind === 'response' ? String(res.headers['strict-transport-security'] ?? '') : ''
      ctx.evidence({
        step,
        ...(res.kind === 'response' ? { status: res.status } : { detail: describeOutcome(res) }),
        ...(sts ? { detail: sts } : {}),
      })
      const maxAge = Number(/max-age\s*=\s*"?(\d+)/i.exec(sts)?.[1] ?? 0)
      ctx.check(maxAge > 0, `${step}: no Strict-Transport-Security with a max-age (${describeOutcome(res)})`)
    }
  },
})

export const noPlaintext = defineCase({
  id: 'transport.no-plaintext',
  group: 'transport',
  name: 'a TLS host:port gives plaintext HTTP nothing: no upgrade, no content, no redirect',
  spec: 'Threat model practice 1: "Always WSS"; "a plaintext port that only redirects" is a separate port',
  refs: [
    'CWE-319 (cleartext transmission)',
    'OWASP WSTG-CRYP-03 (sensitive information sent via unencrypted channels)',
  ],
  practices: [1],
  phase: 'main',
  budget: { requests: 6, frames: 0, timeoutMs: T },
  sends: [
    'per https/wss host:port: a plaintext GET /v1/ws upgrade handshake and a plaintext GET /.well-known/jwks.json',
  ],
  async run(ctx: CaseContext) {
    for (const { host, port } of needTls(ctx)) {
      const base = `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`
      for (const path of ['/v1/ws', '/.well-known/jwks.json']) {
        const outcome =
          path === '/v1/ws'
            ? await ctx.handshake({ url: `${base}${path}`, paced: false })
            : await ctx.request(`${base}${path}`)
        ctx.evidence({
          step: `plaintext ${host}:${port}${path}`,
          ...(outcome.kind === 'error' ? { detail: outcome.code } : { status: outcome.status }),
        })
        // A 4xx in plaintext serves nothing; an upgrade, content or a redirect would.
        ctx.check(
          outcome.kind === 'error' || outcome.status >= 400,
          `${host}:${port} answered plaintext HTTP with ${describeOutcome(outcome)}`,
        )
      }
    }
  },
})
