import type { Duplex } from 'node:stream'
import type { CaseContext, Session } from '../context.ts'
import type { Outcome } from '../net/http.ts'
import { defineCase, describeOutcome, expectRefused } from './support.ts'

const T = 15_000
const REFUSALS =
  'WebSocket endpoint › Refusals "checked in this order: 400 malformed handshake; 429 …; 403 …; 401 …; 429 per-user …"'

export const malformed = defineCase({
  id: 'handshake.malformed',
  group: 'handshake',
  name: 'malformed handshakes (plain GET, no or bad Sec-WebSocket-Key, Upgrade not websocket) are refused 400 even with a valid token',
  spec: REFUSALS,
  refs: ['RFC 6455 §4.2.1 (reading the client handshake) and §4.2.2', 'OWASP WSTG-CLNT-10'],
  practices: [4],
  phase: 'main',
  budget: { requests: 8, frames: 0, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'GET /v1/ws (Bearer <access token>) as: a plain GET; no Sec-WebSocket-Key; a 5-byte key; Upgrade: h2c; a garbage subprotocol list → 400 each',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const bearer = `Bearer ${session.accessToken}`
    const variants: Array<[string, Record<string, string | null>]> = [
      [
        'plain GET, no upgrade headers',
        { connection: null, upgrade: null, 'sec-websocket-version': null, 'sec-websocket-key': null },
      ],
      ['no Sec-WebSocket-Key', { 'sec-websocket-key': null }],
      ['Sec-WebSocket-Key of 5 bytes', { 'sec-websocket-key': Buffer.from('short').toString('base64') }],
      ['Upgrade: h2c', { upgrade: 'h2c' }],
      ['Sec-WebSocket-Protocol "a b, {c}"', { 'sec-websocket-protocol': 'a b, {c}' }],
    ]
    for (const [step, headers] of variants) {
      const outcome = await ctx.handshake({ headers: { ...headers, authorization: bearer } })
      expectRefused(ctx, outcome, 400, step, session.accessToken)
    }
  },
})

export const badVersion = defineCase({
  id: 'handshake.bad-version',
  group: 'handshake',
  name: 'a handshake with Sec-WebSocket-Version 8 gets 400 with Sec-WebSocket-Version: 13',
  spec: 'WebSocket endpoint › Refusals: "A bad Sec-WebSocket-Version gets 400 with Sec-WebSocket-Version: 13"',
  refs: ['RFC 6455 §4.2.2 (point 4) and §4.4 (supporting multiple versions)'],
  practices: [4],
  phase: 'main',
  budget: { requests: 3, frames: 0, timeoutMs: T },
  sends: ['GET /v1/ws (Sec-WebSocket-Version: 8, otherwise well-formed) → 400 + Sec-WebSocket-Version: 13'],
  async run(ctx: CaseContext) {
    const outcome = await ctx.handshake({ headers: { 'sec-websocket-version': '8' } })
    expectRefused(ctx, outcome, 400, 'Sec-WebSocket-Version: 8')
    const advertised = outcome.kind === 'response' ? outcome.headers['sec-websocket-version'] : undefined
    ctx.evidence({ step: 'advertised version', detail: `Sec-WebSocket-Version: ${advertised ?? '(none)'}` })
    ctx.check(advertised === '13', 'the 400 does not carry Sec-WebSocket-Version: 13')
  },
})

export const refusalOrder = defineCase({
  id: 'handshake.refusal-order',
  group: 'handshake',
  name: 'refusals come in the documented order: a malformed handshake is 400 before Origin and credential, a foreign Origin 403 before the credential',
  spec: `${REFUSALS}; the later pairs (429 before 403, 401 before the per-user 429) are checked by limits.per-user-cap, limits.connect-flood and limits.auth-failure-block`,
  refs: ['RFC 6455 §4.2.1', 'OWASP WebSocket Security Cheat Sheet'],
  practices: [2, 3, 4],
  phase: 'main',
  budget: { requests: 4, frames: 0, timeoutMs: T },
  sends: [
    'GET /v1/ws (Sec-WebSocket-Version: 8, Origin: https://evil.example, no credential) → 400',
    'GET /v1/ws (Origin: https://evil.example, Bearer not-a-jwt) → 403',
    'GET /v1/ws (Origin: https://evil.example, no credential) → 403',
  ],
  async run(ctx: CaseContext) {
    const malformedFirst = await ctx.handshake({
      headers: { 'sec-websocket-version': '8', origin: 'https://evil.example' },
    })
    expectRefused(ctx, malformedFirst, 400, 'malformed + foreign Origin + no credential')
    const originFirst = await ctx.upgrade({ origin: 'https://evil.example', bearer: 'not-a-jwt' })
    expectRefused(ctx, originFirst, 403, 'foreign Origin + invalid token')
    const originBeforeMissing = await ctx.upgrade({ origin: 'https://evil.example' })
    expectRefused(ctx, originBeforeMissing, 403, 'foreign Origin + no credential')
  },
})

/** Paths that must never answer 101, on the realtime URL and on the api. */
const OTHER_PATHS = [
  '/healthz',
  '/readyz',
  '/',
  '/v1/ws/',
  '/v1/WS',
  '/v1//ws',
  '/v1/ws/extra',
  '/v2/ws',
  '/ws',
  '/socket.io/',
]

export const onlyV1Ws = defineCase({
  id: 'handshake.only-v1-ws',
  group: 'handshake',
  name: 'no path but /v1/ws answers a WebSocket handshake with 101 (realtime and api, with a valid token)',
  spec: 'WebSocket endpoint: "No path other than /v1/ws ever answers a WebSocket handshake with 101"',
  refs: ['RFC 6455 §4.2.1 (the resource name)', 'OWASP API9:2023 Improper Inventory Management'],
  practices: [4],
  phase: 'main',
  budget: { requests: 30, frames: 0, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    `GET <each of ${OTHER_PATHS.join(' ')}> on every --ws origin and the api, as a well-formed handshake with Bearer <access token> → never 101`,
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const bases = [
      ...new Set([...ctx.target.ws, ctx.target.api].map((u) => new URL(u).origin.replace(/^http/, 'ws'))),
    ]
    const upgraded: string[] = []
    for (const base of bases)
      for (const path of OTHER_PATHS) {
        const outcome = await ctx.handshake({
          url: base,
          path,
          headers: { authorization: `Bearer ${session.accessToken}` },
          paced: false,
        })
        if (outcome.kind === 'upgrade') upgraded.push(`${base}${path}`)
        ctx.evidence({
          step: `${base}${path}`,
          ...(outcome.kind === 'error' ? { detail: outcome.code } : { status: outcome.status }),
        })
      }
    ctx.check(upgraded.length === 0, `101 on ${upgraded.join(', ')}`)
  },
})

/** A normal upgrade after abuse: the server is still serving (contract: "refused without harm"). */
async function stillServes(ctx: CaseContext, session: Session): Promise<void> {
  const { peer } = await ctx.connect(session, { via: 'header', step: 'a normal upgrade afterwards' })
  await peer.close()
}

function refusedOrCut(ctx: CaseContext, outcome: Outcome, step: string): void {
  ctx.evidence({
    step,
    ...(outcome.kind === 'error' ? { detail: `connection ${outcome.code}` } : { status: outcome.status }),
  })
  ctx.check(outcome.kind !== 'upgrade', `${step}: upgraded (101)`)
  if (outcome.kind === 'response')
    ctx.check(outcome.status >= 400, `${step}: answered ${describeOutcome(outcome)}, not a refusal`)
}

export const oversizedHeaders = defineCase({
  id: 'handshake.oversized-headers',
  group: 'handshake',
  name: 'a handshake with a 64 KiB header is refused (431/400 or cut), and the server still serves',
  spec: 'WebSocket endpoint › Behaviour: "a handshake with oversized or excessive headers is refused without harm"',
  refs: [
    'RFC 6585 §5 (431 Request Header Fields Too Large)',
    'RFC 9110 §5.4 (field limits)',
    'OWASP API4:2023 Unrestricted Resource Consumption',
  ],
  practices: [4, 5],
  phase: 'main',
  budget: { requests: 5, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'GET /v1/ws (Bearer <access token>, plus X-Conformance-Padding: <64 KiB>) → refused',
    'GET /v1/ws (Bearer) → 101',
  ],
  async run(ctx: CaseContext) {
    // With a valid token, so that only the header size stands between the request and a 101.
    const session = await ctx.login()
    const headers = {
      authorization: `Bearer ${session.accessToken}`,
      'x-conformance-padding': 'a'.repeat(64 * 1024),
    }
    refusedOrCut(ctx, await ctx.handshake({ headers }), 'one 64 KiB header')
    await stillServes(ctx, session)
  },
})

/** Header fields in the many-headers case: over the 100 of Apache's LimitRequestFields and HAProxy's maxhdr 101. */
export const MANY_HEADERS = 200

export const manyHeaders = defineCase({
  id: 'handshake.many-headers',
  group: 'handshake',
  name: `a handshake with ${MANY_HEADERS} small header fields (about 3 KiB) is refused, and the server still serves`,
  spec: 'WebSocket endpoint › Behaviour: "a handshake with oversized or excessive headers is refused without harm"',
  refs: ['RFC 9110 §5.4 (field limits)', 'OWASP API4:2023 Unrestricted Resource Consumption', 'CWE-770'],
  practices: [4, 5],
  phase: 'main',
  budget: { requests: 5, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    `GET /v1/ws (Bearer <access token>, plus ${MANY_HEADERS} fields X-C-<n>: 1) → refused`,
    'GET /v1/ws (Bearer) → 101',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const raw = Array.from({ length: MANY_HEADERS }, (_, i) => [`x-c-${i}`, '1']).flat()
    const outcome = await ctx.handshake({
      headers: { authorization: `Bearer ${session.accessToken}` },
      rawHeaders: raw,
    })
    refusedOrCut(ctx, outcome, `${MANY_HEADERS} header fields`)
    await stillServes(ctx, session)
  },
})

/** A masked client frame: text "{}" with RSV1 set, i.e. claiming permessage-deflate compression. */
const RSV1_FRAME = Buffer.from([0xc1, 0x82, 1, 2, 3, 4, '{'.charCodeAt(0) ^ 1, '}'.charCodeAt(0) ^ 2])

/** Writes `frame` and resolves with the close code of the first close frame the server sends (0 if it just cuts). */
function closeCodeAfter(socket: Duplex, frame: Buffer, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0)
    const timer = setTimeout(() => (socket.destroy(), resolve(-1)), timeoutMs)
    const finish = (code: number) => (clearTimeout(timer), socket.destroy(), resolve(code))
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk])
      // Server frames are unmasked; skip whole frames until a close (opcode 8).
      for (let at = 0; at + 2 <= data.length;) {
        const opcode = data[at]! & 0x0f
        let len = data[at + 1]! & 0x7f
        let head = 2
        if (len === 126) {
          len = data.readUInt16BE(at + 2)
          head = 4
        }
        if (at + head + len > data.length) break
        if (opcode === 8) return finish(len >= 2 ? data.readUInt16BE(at + head) : 1005)
        at += head + len
      }
    })
    socket.on('close', () => finish(0))
    socket.on('error', () => finish(0))
    socket.write(frame)
  })
}

export const compression = defineCase({
  id: 'handshake.compression',
  group: 'handshake',
  name: 'permessage-deflate is never negotiated, and a frame claiming compression (RSV1) fails the connection',
  spec: 'WebSocket endpoint › Behaviour: "permessage-deflate is never negotiated"',
  refs: [
    'RFC 7692 §5 (permessage-deflate negotiation)',
    'RFC 6455 §5.2 (RSV1 MUST be 0 unless negotiated) and §7.4.1 (1002)',
    'CWE-409 (decompression bombs)',
  ],
  practices: [4],
  phase: 'main',
  budget: { requests: 5, frames: 5, timeoutMs: T },
  sends: [
    'POST /v1/auth/login',
    'GET /v1/ws (Bearer, Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits) → 101 without Sec-WebSocket-Extensions',
    'one text frame with RSV1 set → the server closes (1002) or cuts the connection',
  ],
  async run(ctx: CaseContext) {
    const session = await ctx.login()
    const outcome = await ctx.handshake({
      headers: {
        authorization: `Bearer ${session.accessToken}`,
        'sec-websocket-protocol': 'portcullis.v1',
        'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits, x-webkit-deflate-frame',
      },
      keepUpgraded: true,
    })
    ctx.check(outcome.kind === 'upgrade', `the control upgrade failed: ${describeOutcome(outcome)}`)
    const extensions = outcome.headers['sec-websocket-extensions']
    ctx.evidence({
      step: 'offer permessage-deflate',
      status: 101,
      detail: `Sec-WebSocket-Extensions: ${extensions ?? '(none)'}`,
    })
    if (extensions) outcome.socket.destroy()
    ctx.check(!extensions, `the server negotiated "${String(extensions)}"`)
    const code = await closeCodeAfter(outcome.socket, RSV1_FRAME, 3000)
    ctx.evidence({
      step: 'a frame with RSV1 set',
      detail: code === 0 ? 'connection cut' : code === -1 ? 'no reaction' : `close ${code}`,
    })
    ctx.check(
      code === 1002 || code === 0,
      code === -1 ? 'a frame with RSV1 set was accepted (no close within 3 s)' : `closed ${code}, not 1002`,
    )
  },
})
