import { SpanKind, trace } from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import {
  ATTR,
  METRIC,
  activeMessage,
  recordRevocationLatency,
  setMessageSpanRatio,
  startUpgrade,
} from '../src/index.ts'
import { DEFAULT_MESSAGE_SPAN_RATIO, messageSpanRatio } from '../src/setup.ts'
import { installTestTelemetry } from '../src/testing.ts'

const otel = installTestTelemetry()
const TICKET_TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

describe('upgrade → connection → messages', () => {
  it('continues the ticket trace, links message spans to the connection span and moves the metrics', async () => {
    otel.reset()
    const accepted0 = await otel.value(METRIC.UPGRADES, { [ATTR.OUTCOME]: 'accepted' })
    const active0 = await otel.value(METRIC.ACTIVE_CONNECTIONS)
    const publish0 = await otel.value(METRIC.MESSAGES, {
      [ATTR.MESSAGE_TYPE]: 'publish',
      [ATTR.OUTCOME]: 'ok',
    })
    const invalid0 = await otel.value(METRIC.INVALID_MESSAGES)
    const limited0 = await otel.value(METRIC.RATE_LIMITED)
    const duration0 = await otel.value(METRIC.MESSAGE_DURATION)
    const revocation0 = await otel.value(METRIC.REVOCATION_LATENCY)

    const up = startUpgrade({
      url: '/v1/ws?ticket=SECRET-TICKET-VALUE',
      ip: '127.0.0.1',
      origin: 'http://localhost:5173',
      headers: { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' },
    })
    up.continueTrace(TICKET_TP)
    const conn = up.accept({ credential: 'ticket', userId: 'u1', sessionId: 's1', connectionId: 'c1' })
    expect(await otel.value(METRIC.ACTIVE_CONNECTIONS)).toBe(active0 + 1)

    const ok = conn.message(42)
    ok.setType('publish')
    ok.run(() => expect(trace.getActiveSpan()).toBe(ok.span))
    ok.end('ok')
    const bad = conn.message(10)
    bad.setType('no-such-type')
    bad.end('invalid', 'invalid_message')
    conn.message(5).end('rate_limited', 'rate_limited')
    const marked = conn.message(7)
    marked.setType('subscribe')
    await marked.run(async () => {
      await Promise.resolve()
      activeMessage()?.mark('forbidden', 'forbidden')
    })
    marked.end()
    recordRevocationLatency(Date.now() - 12, 'logout')
    conn.close({ code: 4401, reason: 'session_revoked' })

    const spans = otel.spans()
    const upgrade = spans.find((s) => s.name === 'ws.upgrade')
    const connection = spans.find((s) => s.name === 'ws.connection')
    const messages = spans.filter((s) => s.name.startsWith('ws.message'))
    expect(upgrade?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(upgrade?.parentSpanContext?.spanId).toBe('b7ad6b7169203331')
    expect(upgrade?.kind).toBe(SpanKind.SERVER)
    expect(upgrade?.links.map((l) => l.context.traceId)).toEqual(['11111111111111111111111111111111'])
    expect(upgrade?.attributes).toMatchObject({
      [ATTR.OUTCOME]: 'accepted',
      [ATTR.CREDENTIAL]: 'ticket',
      [ATTR.USER_ID]: 'u1',
      [ATTR.URL_PATH]: '/v1/ws',
      [ATTR.HTTP_STATUS]: 101,
    })
    expect(connection?.parentSpanContext?.spanId).toBe(upgrade?.spanContext().spanId)
    expect(connection?.attributes).toMatchObject({
      [ATTR.CLOSE_CODE]: 4401,
      [ATTR.CLOSE_REASON]: 'session_revoked',
    })
    expect(messages.map((m) => m.name)).toEqual([
      'ws.message publish',
      'ws.message unknown',
      'ws.message unknown',
      'ws.message subscribe',
    ])
    expect(messages[3]?.attributes).toMatchObject({ [ATTR.OUTCOME]: 'forbidden', [ATTR.REASON]: 'forbidden' })
    for (const m of messages) {
      expect(m.parentSpanContext).toBeUndefined()
      expect(m.links[0]?.context.spanId).toBe(connection?.spanContext().spanId)
    }
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('SECRET-TICKET-VALUE')

    expect(await otel.value(METRIC.UPGRADES, { [ATTR.OUTCOME]: 'accepted' })).toBe(accepted0 + 1)
    expect(await otel.value(METRIC.ACTIVE_CONNECTIONS)).toBe(active0)
    expect(await otel.value(METRIC.MESSAGES, { [ATTR.MESSAGE_TYPE]: 'publish', [ATTR.OUTCOME]: 'ok' })).toBe(
      publish0 + 1,
    )
    expect(await otel.value(METRIC.INVALID_MESSAGES)).toBe(invalid0 + 2)
    expect(await otel.value(METRIC.RATE_LIMITED)).toBe(limited0 + 1)
    expect(await otel.value(METRIC.MESSAGE_DURATION)).toBe(duration0 + 4)
    expect(await otel.value(METRIC.REVOCATION_LATENCY)).toBe(revocation0 + 1)
  })

  it('records a refusal once, with the decision as attributes', async () => {
    otel.reset()
    const refused0 = await otel.value(METRIC.UPGRADES, {
      [ATTR.OUTCOME]: 'refused',
      [ATTR.REASON]: 'ticket_spent',
    })
    const up = startUpgrade({ url: '/v1/ws?ticket=T', ip: '10.0.0.9' })
    up.setCredential('ticket')
    up.refuse({ status: 401, reason: 'ticket_spent' })
    up.refuse({ status: 401, reason: 'ticket_spent' })
    const [span] = otel.spans()
    expect(otel.spans()).toHaveLength(1)
    expect(span?.parentSpanContext).toBeUndefined()
    expect(span?.attributes).toMatchObject({
      [ATTR.OUTCOME]: 'refused',
      [ATTR.REASON]: 'ticket_spent',
      [ATTR.HTTP_STATUS]: 401,
      [ATTR.CLIENT_ADDRESS]: '10.0.0.9',
      [ATTR.CREDENTIAL]: 'ticket',
    })
    expect(
      await otel.value(METRIC.UPGRADES, { [ATTR.OUTCOME]: 'refused', [ATTR.REASON]: 'ticket_spent' }),
    ).toBe(refused0 + 1)
  })

  it('ignores a malformed stored traceparent', () => {
    otel.reset()
    const up = startUpgrade({ url: '/v1/ws' })
    up.continueTrace('00-zzzz-not-a-traceparent')
    up.refuse({ status: 401, reason: 'token_invalid' })
    expect(otel.spans()[0]?.parentSpanContext).toBeUndefined()
  })
})

describe('message span sampling', () => {
  it('records a sampled share of message spans while the metrics count every message', async () => {
    otel.reset()
    const ok0 = await otel.value(METRIC.MESSAGES, { [ATTR.MESSAGE_TYPE]: 'ping', [ATTR.OUTCOME]: 'ok' })
    const conn = startUpgrade({ url: '/v1/ws', ip: '127.0.0.1', headers: {} }).accept({
      credential: 'authorization',
      userId: 'u1',
      sessionId: 's1',
      connectionId: 'c-sampling',
    })
    try {
      setMessageSpanRatio(0)
      for (let i = 0; i < 50; i++) {
        const message = conn.message(8)
        message.setType('ping')
        // Work done under an unsampled message records nothing either.
        message.run(() => trace.getTracer('t').startSpan('child').end())
        message.end('ok')
      }
      expect(otel.spans().filter((s) => s.name.startsWith('ws.message') || s.name === 'child')).toEqual([])
      expect(await otel.value(METRIC.MESSAGES, { [ATTR.MESSAGE_TYPE]: 'ping', [ATTR.OUTCOME]: 'ok' })).toBe(
        ok0 + 50,
      )

      // An unsampled message is still the active one while it is handled: its outcome is counted.
      const invalid0 = await otel.value(METRIC.MESSAGES, {
        [ATTR.MESSAGE_TYPE]: 'ping',
        [ATTR.OUTCOME]: 'invalid',
      })
      const marked = conn.message(8)
      marked.setType('ping')
      marked.run(() => activeMessage()?.mark('invalid', 'schema'))
      expect(activeMessage()).toBeUndefined()
      marked.end()
      expect(
        await otel.value(METRIC.MESSAGES, { [ATTR.MESSAGE_TYPE]: 'ping', [ATTR.OUTCOME]: 'invalid' }),
      ).toBe(invalid0 + 1)

      setMessageSpanRatio(1)
      conn.message(8).end('ok')
      expect(otel.spans().filter((s) => s.name.startsWith('ws.message'))).toHaveLength(1)
    } finally {
      setMessageSpanRatio(1)
      conn.close({ code: 1000, reason: 'done' })
    }
  })

  it('rejects a ratio outside 0–1, and the env variable is parsed with a one-line error', () => {
    expect(() => setMessageSpanRatio(1.5)).toThrow(/from 0 to 1/)
    expect(messageSpanRatio(undefined)).toBe(DEFAULT_MESSAGE_SPAN_RATIO)
    expect(messageSpanRatio('0.25')).toBe(0.25)
    expect(messageSpanRatio('1')).toBe(1)
    expect(() => messageSpanRatio('lots')).toThrow(
      /^invalid environment: PORTCULLIS_MESSAGE_SPAN_RATIO must be/,
    )
    expect(() => messageSpanRatio('2')).toThrow(/PORTCULLIS_MESSAGE_SPAN_RATIO/)
  })
})
