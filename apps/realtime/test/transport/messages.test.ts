import { describe, expect, test } from 'vitest'
import { bearer, connect, shared, startApp } from '../helper.ts'
import { overspendAcrossInstances } from '../two-instances.ts'

async function setup(overrides = {}) {
  const t = await startApp(overrides)
  const login = await t.login()
  return { t, c: await connect(t.url, { headers: bearer(login.token) }) }
}

describe('client frames', () => {
  test('permessage-deflate is never negotiated', async () => {
    const t = await startApp()
    const login = await t.login()
    const c = await connect(t.url, { headers: bearer(login.token), wsOptions: { perMessageDeflate: true } })
    expect(c.ws.extensions).toBe('')
  })

  test('malformed JSON, non-object, unknown type, extra fields, __proto__, bad channel → one error each, not processed', async () => {
    const { c } = await setup()
    const bad: Array<[string, string | undefined]> = [
      ['{not json', undefined],
      ['[1,2]', undefined],
      ['{"type":"nope","id":"a1"}', 'a1'],
      ['{"type":"ping","id":"a2","extra":1}', 'a2'],
      ['{"type":"ping","id":"a3","__proto__":{"admin":true}}', 'a3'],
      ['{"type":"subscribe","id":"a4","channel":"secret:x"}', 'a4'],
      ['{"type":"__proto__","id":"a5"}', 'a5'],
    ]
    for (const [frame] of bad) c.send(frame)
    c.send({ type: 'ping', id: 'ok' })
    await c.next({ type: 'pong', id: 'ok' })
    const errors = c.frames.filter((f) => f.type === 'error')
    expect(errors).toHaveLength(bad.length)
    expect(errors.map((e) => e.id)).toEqual(bad.map(([, id]) => id))
    expect(errors.every((e) => e.code === 'invalid_message')).toBe(true)
    expect(c.frames.filter((f) => f.type === 'pong')).toHaveLength(1)
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
  })

  test('invalid UTF-8 in a text frame fails the connection: 1007 invalid_payload (RFC 6455 §8.1 MUST)', async () => {
    const { c } = await setup()
    c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    expect(await c.closed).toEqual({ code: 1007, reason: 'invalid_payload' })
    expect(c.frames.filter((f) => f.type === 'error')).toHaveLength(0)
  })

  test('invalid UTF-8 split across fragments (a lone surrogate encoded as bytes) → 1007', async () => {
    const { c } = await setup()
    // 0xED 0xA0 0x80 is U+D800 encoded in 3 bytes: not valid UTF-8. Sent as two fragments of one message.
    c.ws.send(Buffer.from('{"type":"ping","id":"'), { binary: false, fin: false })
    c.ws.send(Buffer.from([0xed, 0xa0, 0x80, 0x22, 0x7d]), { binary: false, fin: true })
    expect(await c.closed).toEqual({ code: 1007, reason: 'invalid_payload' })
  })

  test('10 invalid messages within a minute → 4400 invalid_messages', async () => {
    const { c } = await setup()
    for (let i = 0; i < 10; i++) c.send('{bad')
    expect(await c.closed).toEqual({ code: 4400, reason: 'invalid_messages' })
    expect(c.frames.filter((f) => f.type === 'error')).toHaveLength(10)
  })

  test('binary frame → 1003', async () => {
    const { c } = await setup()
    c.ws.send(Buffer.from('{"type":"ping","id":"b"}'), { binary: true })
    expect(await c.closed).toEqual({ code: 1003, reason: 'unsupported_data' })
  })

  test('frame over MAX_MESSAGE_BYTES → 1009', async () => {
    const { c } = await setup({ MAX_MESSAGE_BYTES: 1024 })
    c.send({ type: 'publish', id: 'big', channel: 'public:x', text: 'a'.repeat(2000) })
    expect((await c.closed).code).toBe(1009)
  })

  test('too many fragments → closed', async () => {
    const { c } = await setup()
    for (let i = 0; i < 20; i++) c.ws.send('a', { fin: false, binary: false })
    expect((await c.closed).code).toBe(1008)
  })

  test('flood: rate_limited errors with retryAfterMs, then 4429 after more than MSG_BURST drops', async () => {
    const { t, c } = await setup({ MSG_RATE_PER_S: 5, MSG_BURST: 10 })
    for (let i = 0; i < 30; i++) c.send({ type: 'ping', id: `f${i}` })
    expect(await c.closed).toEqual({ code: 4429, reason: 'rate_limited' })
    const pongs = c.frames.filter((f) => f.type === 'pong')
    const limited = c.frames.filter((f) => f.type === 'error' && f.code === 'rate_limited')
    expect(pongs.length).toBeGreaterThanOrEqual(9)
    expect(pongs.length).toBeLessThanOrEqual(12)
    expect(limited.length).toBeGreaterThanOrEqual(9)
    expect(limited[0]).toMatchObject({
      id: expect.stringMatching(/^f\d+$/),
      retryAfterMs: expect.any(Number),
    })
    expect(limited[0]!.retryAfterMs).toBeGreaterThan(0)
    expect(t.logs.events('ws.rate_limited').length).toBeGreaterThanOrEqual(1)
  })

  test('the per-user budget is shared by the user’s sockets on every instance', async () => {
    const s = shared()
    const limits = { MSG_RATE_PER_S: 1, MSG_BURST: 10 }
    const a = await startApp(limits, { shared: s })
    const b = await startApp(limits, { shared: s })
    const b8 = await overspendAcrossInstances([a, b])
    expect(b8).toMatchObject({ type: 'error', code: 'rate_limited' })
    expect(b8.retryAfterMs as number).toBeGreaterThan(2000)
  })
})
