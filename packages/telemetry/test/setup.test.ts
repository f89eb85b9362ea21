import { describe, expect, it } from 'vitest'
import { scrubQuery, traceparentFor, isTraceparent, boundedLabel, messageTypeLabel } from '../src/index.ts'
import { startTelemetry, telemetryRequested } from '../src/setup.ts'

describe('telemetryRequested', () => {
  it('needs an OTLP endpoint and honours OTEL_SDK_DISABLED', () => {
    expect(telemetryRequested({})).toBe(false)
    expect(telemetryRequested({ OTEL_SERVICE_NAME: 'x' })).toBe(false)
    expect(telemetryRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true)
    expect(telemetryRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/v1/traces' })).toBe(true)
    expect(
      telemetryRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'TRUE' }),
    ).toBe(false)
  })

  it('starts disabled without an endpoint', async () => {
    const handle = await startTelemetry({ serviceName: 'test', env: {} })
    expect(handle.enabled).toBe(false)
    await handle.shutdown()
  })
})

describe('helpers', () => {
  it('scrubs every query value and keeps keys', () => {
    expect(scrubQuery('ticket=abc&x=1')).toBe('ticket=REDACTED&x=REDACTED')
    expect(scrubQuery('?access_token=e.y.j')).toBe('access_token=REDACTED')
    expect(scrubQuery('')).toBe('')
  })

  it('validates traceparents and falls back to a well-formed header without telemetry', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    expect(isTraceparent(tp)).toBe(true)
    expect(isTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBe(false)
    expect(isTraceparent(`${tp}x`)).toBe(false)
    expect(traceparentFor(tp)).toBe(tp)
    expect(traceparentFor('garbage')).toBeUndefined()
  })

  it('bounds labels and message types', () => {
    expect(boundedLabel('bad_password')).toBe('bad_password')
    expect(boundedLabel('has space')).toBe('other')
    expect(boundedLabel(undefined)).toBe('none')
    expect(messageTypeLabel('publish')).toBe('publish')
    expect(messageTypeLabel('<script>')).toBe('unknown')
  })
})
