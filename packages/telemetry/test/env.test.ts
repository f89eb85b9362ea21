import { ConfigError } from '@portcullis/config'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MESSAGE_SPAN_RATIO, loadTelemetryEnv } from '../src/env.ts'

function lineOf(env: Record<string, string>): string {
  try {
    loadTelemetryEnv(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('TelemetryEnvSchema', () => {
  it('applies the span ratio default and accepts the standard values in any case', () => {
    expect(loadTelemetryEnv({}).PORTCULLIS_MESSAGE_SPAN_RATIO).toBe(DEFAULT_MESSAGE_SPAN_RATIO)
    const env = loadTelemetryEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_SAMPLER: 'ParentBased_TraceIdRatio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_TRACES_EXPORTER: 'otlp,console',
      OTEL_LOG_LEVEL: 'WARN',
      OTEL_SDK_DISABLED: 'False',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s3cret,x=1',
      PORTCULLIS_MESSAGE_SPAN_RATIO: '1',
    })
    expect(env.OTEL_TRACES_SAMPLER_ARG).toBe(0.25)
    expect(env.OTEL_TRACES_EXPORTER).toEqual(['otlp', 'console'])
    expect(env.PORTCULLIS_MESSAGE_SPAN_RATIO).toBe(1)
  })

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'udp'],
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '2'],
    ['OTEL_TRACES_EXPORTER', 'otlp,jaegerish'],
    ['OTEL_LOG_LEVEL', 'loud'],
    ['OTEL_SDK_DISABLED', 'yes'],
    ['OTEL_METRIC_EXPORT_INTERVAL', '0'],
    ['PORTCULLIS_MESSAGE_SPAN_RATIO', 'lots'],
  ])('rejects %s=%s with one line naming it', (name, value) => {
    const line = lineOf({ [name]: value })
    expect(line).toMatch(new RegExp(`^invalid environment: ${name} must be `))
    expect(line).not.toContain('\n')
  })

  it('never echoes the collector headers (they carry API keys)', () => {
    const line = lineOf({ OTEL_EXPORTER_OTLP_HEADERS: 'no pairs here s3cret' })
    expect(line).toContain('OTEL_EXPORTER_OTLP_HEADERS')
    expect(line).not.toContain('s3cret')
  })
})
