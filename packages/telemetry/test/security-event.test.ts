import { trace } from '@opentelemetry/api'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import {
  ATTR,
  METRIC,
  loggerOptions,
  recordAuthFailure,
  recordIpBlocked,
  securityEvent,
} from '../src/index.ts'
import { captureLogs, findSecrets, installTestTelemetry } from '../src/testing.ts'

const otel = installTestTelemetry()

describe('securityEvent with telemetry on', () => {
  it('adds a span event with identifier fields only, counts it, and logs the trace ids', async () => {
    otel.reset()
    const logs = captureLogs()
    const log = pino(loggerOptions({ level: 'info' }), logs.stream)
    const before = await otel.value(METRIC.SECURITY_EVENTS, { [ATTR.EVENT]: 'ws.auth.failed' })
    const span = trace.getTracer('t').startSpan('op')
    trace.getTracer('t').startActiveSpan('op', (active) => {
      securityEvent(log, 'ws.auth.failed', {
        reason: 'token_invalid',
        ip: '10.1.2.3',
        userId: 'u9',
        ticket: 'LEAKED-TICKET',
        level: 'warn',
      })
      log.info('plain line')
      active.end()
    })
    span.end()
    const recorded = otel.spans().find((s) => s.events.length > 0)
    expect(recorded?.events[0]?.name).toBe('ws.auth.failed')
    expect(recorded?.events[0]?.attributes).toEqual({
      [ATTR.REASON]: 'token_invalid',
      [ATTR.CLIENT_ADDRESS]: '10.1.2.3',
      [ATTR.USER_ID]: 'u9',
    })
    const [event, plain] = logs.lines()
    const ctx = recorded?.spanContext()
    expect(event).toMatchObject({ event: 'ws.auth.failed', traceId: ctx?.traceId, trace_id: ctx?.traceId })
    expect(plain).toMatchObject({ trace_id: ctx?.traceId, span_id: ctx?.spanId })
    expect(await otel.value(METRIC.SECURITY_EVENTS, { [ATTR.EVENT]: 'ws.auth.failed' })).toBe(before + 1)
    expect(await findSecrets(otel, ['LEAKED-TICKET'], logs.text())).toEqual([])
  })

  it('keeps metric labels bounded', async () => {
    const before = await otel.value(METRIC.AUTH_FAILURES, { [ATTR.REASON]: 'other' })
    recordAuthFailure('login', 'Bearer eyJhbGciOi.secret stuff')
    recordIpBlocked()
    expect(await otel.value(METRIC.AUTH_FAILURES, { [ATTR.REASON]: 'other' })).toBe(before + 1)
    expect(await findSecrets(otel, ['eyJhbGciOi'])).toEqual([])
    expect(await otel.value(METRIC.IP_BLOCKS)).toBeGreaterThan(0)
  })

  it('finds a secret when one is recorded (the scan can fail)', async () => {
    const span = trace.getTracer('t').startSpan('leaky', { attributes: { 'x.bad': 'LEAK-12345' } })
    span.end()
    expect(await findSecrets(otel, ['LEAK-12345'])).toEqual([{ secret: 'LEAK…', where: 'span leaky' }])
    otel.reset()
  })
})

describe('metrics implied by security events', () => {
  it('counts auth failures and IP blocks from the event vocabulary', async () => {
    const log = pino({ level: 'silent' })
    const login0 = await otel.value(METRIC.AUTH_FAILURES, {
      [ATTR.SOURCE]: 'login',
      [ATTR.REASON]: 'bad_password',
    })
    const upgrade0 = await otel.value(METRIC.AUTH_FAILURES, { [ATTR.SOURCE]: 'upgrade' })
    const blocks0 = await otel.value(METRIC.IP_BLOCKS)
    securityEvent(log, 'auth.login.failed', { reason: 'bad_password' })
    securityEvent(log, 'ws.upgrade.refused', { reason: 'token_invalid', status: 401 })
    securityEvent(log, 'ws.upgrade.refused', { reason: 'origin_forbidden', status: 403 })
    securityEvent(log, 'ip.blocked', { ip: '10.0.0.1' })
    expect(
      await otel.value(METRIC.AUTH_FAILURES, { [ATTR.SOURCE]: 'login', [ATTR.REASON]: 'bad_password' }),
    ).toBe(login0 + 1)
    expect(await otel.value(METRIC.AUTH_FAILURES, { [ATTR.SOURCE]: 'upgrade' })).toBe(upgrade0 + 1)
    expect(await otel.value(METRIC.IP_BLOCKS)).toBe(blocks0 + 1)
  })
})
