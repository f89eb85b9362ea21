import type { CaseContext } from '../context.ts'
import type { Frame, Peer } from '../net/peer.ts'
import { defineCase } from './support.ts'

const T = 15_000
export const INVALID =
  'Messages: "Each invalid message (bad JSON, schema, unknown type, forbidden channel) gets one error reply and is not processed; the connection stays open until the 4400 threshold"'

/** A fresh socket of the user, without keep-alive pings (they would muddle the frame accounting). */
export async function socket(ctx: CaseContext): Promise<{ peer: Peer; welcome: Record<string, unknown> }> {
  return await ctx.connect(await ctx.login(), { keepAlive: false })
}

/** Sends `raw`, expects one `error` with `code` (and `id` when given); returns it. */
export async function expectError(
  ctx: CaseContext,
  peer: Peer,
  raw: string,
  step: string,
  code: string,
  id?: string,
): Promise<Frame> {
  peer.sendRaw(raw)
  const error = await peer
    .next((f) => f.type === 'error' && (id === undefined || f.id === id), 3000)
    .catch((err: Error) => ctx.fail(`${step}: ${err.message}`))
  ctx.evidence({ step, detail: `error ${String(error.code)}${id ? ` (id ${id})` : ''}` })
  ctx.check(error.code === code, `${step}: error code ${String(error.code)}, expected ${code}`)
  return error
}

/** The socket still answers a ping (so nothing above closed or wedged it). */
async function stillAnswers(ctx: CaseContext, peer: Peer, id: string): Promise<void> {
  peer.send({ type: 'ping', id })
  await peer
    .next({ type: 'pong', id }, 3000)
    .catch((err: Error) => ctx.fail(`the socket stopped answering: ${err.message}`))
}

export const malformedJson = defineCase({
  id: 'messages.malformed-json',
  group: 'messages',
  name: 'frames that are not a JSON object get one invalid_message error each and the socket stays open',
  spec: INVALID,
  refs: ['RFC 8259', 'OWASP WebSocket Security Cheat Sheet: input validation', 'CWE-20'],
  practices: [4],
  phase: 'main',
  budget: { requests: 4, frames: 10, timeoutMs: T },
  sends: [
    'POST /v1/auth/login; ticket; GET /v1/ws',
    '5 text frames: truncated JSON, "not json", [], "str", 42',
    '{"type":"ping","id":"alive"} → pong',
  ],
  async run(ctx: CaseContext) {
    const { peer } = await socket(ctx)
    for (const raw of ['{"type":"ping","id":"x"', 'not json', '[]', '"str"', '42'])
      await expectError(ctx, peer, raw, `frame ${JSON.stringify(raw)}`, 'invalid_message')
    await stillAnswers(ctx, peer, 'alive')
  },
})

export const unknownTypeAndFields = defineCase({
  id: 'messages.unknown-type-and-fields',
  group: 'messages',
  name: 'an unknown type, an unknown field and a forged "from" are each rejected with an error echoing the id, and not processed',
  spec: `${INVALID}; Messages: "unknown fields are rejected (an error, nothing processed)"`,
  refs: ['OWASP API3:2023 Broken Object Property Level Authorization (mass assignment)', 'CWE-915'],
  practices: [4],
  phase: 'main',
  budget: { requests: 4, frames: 10, timeoutMs: T },
  sends: [
    '{"type":"conformance.unknown","id":"u1"} → error id u1',
    '{"type":"ping","id":"u2","extra":true} → error id u2, no pong',
    '{"type":"publish","id":"u3","channel":"public:conformance","text":"x","from":{…admin…}} → error id u3, nothing published',
  ],
  async run(ctx: CaseContext) {
    const { peer } = await socket(ctx)
    await expectError(
      ctx,
      peer,
      '{"type":"conformance.unknown","id":"u1"}',
      'unknown type',
      'invalid_message',
      'u1',
    )
    await expectError(
      ctx,
      peer,
      '{"type":"ping","id":"u2","extra":true}',
      'unknown field on ping',
      'invalid_message',
      'u2',
    )
    const forged = {
      type: 'publish',
      id: 'u3',
      channel: 'public:conformance',
      text: 'x',
      from: { id: 'admin', username: 'admin' },
    }
    await expectError(
      ctx,
      peer,
      JSON.stringify(forged),
      'publish with a forged from',
      'invalid_message',
      'u3',
    )
    await stillAnswers(ctx, peer, 'alive')
    ctx.check(
      peer.seen({ id: 'u2', type: 'pong' }).length === 0,
      'the ping with an unknown field was answered (processed)',
    )
    ctx.check(
      peer.seen({ id: 'u3', type: 'published' }).length === 0,
      'the publish with a forged from was processed',
    )
  },
})

export const prototypePollution = defineCase({
  id: 'messages.prototype-pollution',
  group: 'messages',
  name: '__proto__ and constructor keys are rejected and grant nothing (an admin channel stays forbidden)',
  spec: `${INVALID}; Channels: "admin:<name> role admin"`,
  refs: ['OWASP Prototype Pollution Prevention Cheat Sheet', 'CWE-1321'],
  practices: [4],
  phase: 'main',
  budget: { requests: 4, frames: 10, timeoutMs: T },
  sends: [
    '{"type":"ping","id":"pp1","__proto__":{"roles":["admin"]}} → error',
    '{"type":"subscribe","id":"pp2","channel":"admin:conformance","constructor":{"prototype":{"isAdmin":true}}} → error',
    '{"type":"subscribe","id":"pp3","channel":"admin:conformance"} → error forbidden (for a non-admin)',
  ],
  async run(ctx: CaseContext) {
    const { peer, welcome } = await socket(ctx)
    await expectError(
      ctx,
      peer,
      '{"type":"ping","id":"pp1","__proto__":{"roles":["admin"]}}',
      '__proto__ on ping',
      'invalid_message',
      'pp1',
    )
    const ctor =
      '{"type":"subscribe","id":"pp2","channel":"admin:conformance","constructor":{"prototype":{"isAdmin":true}}}'
    await expectError(ctx, peer, ctor, 'constructor.prototype on subscribe', 'invalid_message', 'pp2')
    const roles = (welcome.user as { roles?: unknown } | undefined)?.roles
    if (!(Array.isArray(roles) && roles.includes('admin')))
      await expectError(
        ctx,
        peer,
        '{"type":"subscribe","id":"pp3","channel":"admin:conformance"}',
        'admin channel afterwards',
        'forbidden',
        'pp3',
      )
    await stillAnswers(ctx, peer, 'alive')
    const polluted = peer.frames.some((f) => 'isAdmin' in f || (f.type === 'pong' && 'roles' in f))
    ctx.check(!polluted, 'a server frame carries a polluted property')
  },
})

export const forbiddenChannel = defineCase({
  id: 'messages.forbidden-channel',
  group: 'messages',
  name: "a user cannot subscribe or publish to admin channels nor subscribe to another user's inbox; its own inbox works",
  spec: 'Channels: "admin:<name> role admin; user:<userId> an inbox: only that user may subscribe … Authorization is checked on subscribe and on publish"',
  refs: ['OWASP API1:2023 Broken Object Level Authorization', 'OWASP WSTG-ATHZ-02'],
  practices: [4, 7],
  phase: 'main',
  budget: { requests: 4, frames: 10, timeoutMs: T },
  sends: [
    'subscribe admin:conformance → forbidden',
    'publish admin:conformance → forbidden',
    'subscribe user:<another id> → forbidden',
    'subscribe user:<own id> → subscribed',
  ],
  async run(ctx: CaseContext) {
    const { peer, welcome } = await socket(ctx)
    const user = welcome.user as { id?: unknown; roles?: unknown } | undefined
    if (Array.isArray(user?.roles) && user.roles.includes('admin'))
      ctx.skip('--user holds the admin role: give an ordinary user')
    const own = String(user?.id)
    await expectError(
      ctx,
      peer,
      JSON.stringify({ type: 'subscribe', id: 'f1', channel: 'admin:conformance' }),
      'subscribe admin:conformance',
      'forbidden',
      'f1',
    )
    const publish = { type: 'publish', id: 'f2', channel: 'admin:conformance', text: 'conformance probe' }
    await expectError(ctx, peer, JSON.stringify(publish), 'publish admin:conformance', 'forbidden', 'f2')
    const other = `${own.slice(0, 50)}-other`
    await expectError(
      ctx,
      peer,
      JSON.stringify({ type: 'subscribe', id: 'f3', channel: `user:${other}` }),
      "subscribe another user's inbox",
      'forbidden',
      'f3',
    )
    peer.send({ type: 'subscribe', id: 'f4', channel: `user:${own}` })
    await peer
      .next({ type: 'subscribed', id: 'f4' }, 3000)
      .catch((err: Error) => ctx.fail(`own inbox: ${err.message}`))
    ctx.evidence({ step: 'subscribe own inbox', detail: 'subscribed' })
  },
})
