import { CLOSE_CODES } from '@portcullis/protocol'
import type { CaseContext } from '../context.ts'
import { defineCase, limitsOf } from './support.ts'
import { expectError, socket } from './messages.ts'

// Frames the server must end the connection over: too many invalid ones, binary, oversized, not UTF-8.

const T = 15_000

export const invalidThreshold = defineCase({
  id: 'messages.invalid-threshold',
  group: 'messages',
  name: 'the tenth invalid message within a minute closes the socket 4400 invalid_messages (nine do not)',
  spec: 'Close codes: "4400 invalid_messages — too many invalid messages (≥10 within a minute)"',
  refs: ['OWASP WebSocket Security Cheat Sheet: input validation', 'CWE-20'],
  practices: [4, 5],
  phase: 'main',
  budget: { requests: 4, frames: 12, timeoutMs: T },
  sends: ['9 × "not json" → 9 errors, still open', '1 more → close 4400'],
  async run(ctx: CaseContext) {
    const { peer } = await socket(ctx)
    for (let i = 1; i <= 9; i++) await expectError(ctx, peer, 'not json', `invalid #${i}`, 'invalid_message')
    ctx.check(peer.isOpen, 'closed before the tenth invalid message')
    const since = performance.now()
    peer.sendRaw('not json')
    const close = await peer.waitClose(3000)
    ctx.closeEvidence('invalid #10', close, since)
    const want = CLOSE_CODES.invalidMessages
    ctx.check(
      close?.code === want.code && close.reason === want.reason,
      `expected close ${want.code} ${want.reason}`,
    )
  },
})

/** One frame, then the close it should cause. */
async function expectCloseAfter(
  ctx: CaseContext,
  step: string,
  payload: string | Buffer,
  binary: boolean,
  want: { code: number; reason: string | null },
): Promise<void> {
  const { peer, welcome } = await socket(ctx)
  limitsOf(ctx, welcome)
  const since = performance.now()
  peer.sendRaw(payload, binary)
  // The first of: the close, an error reply (the frame was treated as an ordinary invalid message), 3 s.
  const reply = peer.next({ type: 'error' }, 3000).then(
    (error) => error,
    () => null,
  )
  await Promise.race([peer.waitClose(3000), reply])
  const close = await peer.waitClose(0)
  ctx.closeEvidence(step, close, since)
  const error = close ? null : await reply
  ctx.check(
    close,
    error
      ? `${step}: answered error ${String(error.code)} and stayed open, expected close ${want.code}`
      : `${step}: the socket stayed open`,
  )
  ctx.check(close.code === want.code, `${step}: closed ${close.code} ${close.reason}, expected ${want.code}`)
  if (want.reason)
    ctx.check(
      close.reason === want.reason,
      `${step}: close reason "${close.reason}", expected "${want.reason}"`,
    )
}

export const binaryFrame = defineCase({
  id: 'messages.binary',
  group: 'messages',
  name: 'a binary frame closes the socket 1003 unsupported_data',
  spec: 'Close codes: "1003 unsupported_data — binary frame"',
  refs: ['RFC 6455 §7.4.1 (1003)', 'OWASP WebSocket Security Cheat Sheet: input validation'],
  practices: [4],
  phase: 'main',
  budget: { requests: 4, frames: 2, timeoutMs: T },
  sends: ['one binary frame {"type":"ping","id":"b"} → close 1003'],
  async run(ctx: CaseContext) {
    await expectCloseAfter(
      ctx,
      'binary frame',
      Buffer.from('{"type":"ping","id":"b"}'),
      true,
      CLOSE_CODES.unsupportedData,
    )
  },
})

export const oversizedFrame = defineCase({
  id: 'messages.oversized',
  group: 'messages',
  name: 'a frame of exactly maxMessageBytes is processed; one byte more closes the socket 1009',
  spec: 'Close codes: "1009 — frame larger than MAX_MESSAGE_BYTES" (welcome.limits.maxMessageBytes)',
  refs: ['RFC 6455 §7.4.1 (1009) and §10.4', 'OWASP API4:2023 Unrestricted Resource Consumption'],
  practices: [4, 5],
  phase: 'main',
  budget: { requests: 4, frames: 3, timeoutMs: T },
  sends: [
    'a ping padded with spaces to exactly maxMessageBytes → pong',
    'a frame of maxMessageBytes + 1 → close 1009',
  ],
  async run(ctx: CaseContext) {
    const { peer, welcome } = await socket(ctx)
    const { maxMessageBytes } = limitsOf(ctx, welcome)
    const ping = '{"type":"ping","id":"edge"}'
    ctx.check(maxMessageBytes >= ping.length, `maxMessageBytes ${maxMessageBytes} is smaller than a ping`)
    peer.sendRaw(ping + ' '.repeat(maxMessageBytes - ping.length))
    await peer
      .next({ type: 'pong', id: 'edge' }, 3000)
      .catch((err: Error) => ctx.fail(`a frame of exactly ${maxMessageBytes} bytes: ${err.message}`))
    ctx.evidence({ step: `frame of ${maxMessageBytes} bytes`, detail: 'pong' })
    const since = performance.now()
    peer.sendRaw(`${ping}${' '.repeat(maxMessageBytes + 1 - ping.length)}`)
    const close = await peer.waitClose(3000)
    ctx.closeEvidence(`frame of ${maxMessageBytes + 1} bytes`, close, since)
    ctx.check(
      close?.code === CLOSE_CODES.messageTooBig.code,
      `expected close 1009, got ${close ? close.code : 'no close'}`,
    )
  },
})

export const invalidUtf8 = defineCase({
  id: 'messages.invalid-utf8',
  group: 'messages',
  name: 'a text frame that is not valid UTF-8 closes the socket 1007 invalid_payload',
  spec: 'Close codes: "1007 invalid_payload — a text frame that is not valid UTF-8 (RFC 6455 §8.1: MUST fail)"',
  refs: ['RFC 6455 §5.6 and §8.1', 'RFC 3629', 'CWE-176'],
  practices: [4],
  phase: 'main',
  budget: { requests: 4, frames: 2, timeoutMs: T },
  sends: ['one text frame {"type":"ping","id":"<0xC3 0x28>"} → close 1007'],
  async run(ctx: CaseContext) {
    const frame = Buffer.concat([
      Buffer.from('{"type":"ping","id":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ])
    await expectCloseAfter(ctx, 'text frame with bytes C3 28', frame, false, CLOSE_CODES.invalidPayload)
  },
})
