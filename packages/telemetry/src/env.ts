import { loadConfig, type Env } from '@portcullis/config'
import { Type, type Static } from 'typebox'

/**
 * A string matching one of `values` in any letter case (the OpenTelemetry specification reads enum values
 * case-insensitively), e.g. `always_on` or `ALWAYS_ON`.
 */
function anyCase(values: readonly string[], description?: string) {
  return Type.String({
    pattern: `^(?:${values.map(anyCaseLetters).join('|')})$`,
    expected: `one of ${values.join(', ')}`,
    ...(description ? { description } : {}),
  })
}

/** A regular expression matching `v` in any letter case (`ab` → `[aA][bB]`). */
function anyCaseLetters(v: string): string {
  return [...v]
    .map((c) =>
      c.toLowerCase() === c.toUpperCase()
        ? c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
        : `[${c.toLowerCase()}${c.toUpperCase()}]`,
    )
    .join('')
}

const URL_PATTERN = '^https?://[^\\s]+$'
const PAIRS = '^[^=,\\s]+=[^,]*(,[^=,\\s]+=[^,]*)*$'
const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const

/** Default share of client messages with a recorded `ws.message` span (see `setMessageSpanRatio`). */
export const DEFAULT_MESSAGE_SPAN_RATIO = 0.01

/**
 * The telemetry variables both apps read: the standard `OTEL_*` ones this project relies on, plus
 * `PORTCULLIS_MESSAGE_SPAN_RATIO`. `startTelemetry` validates them at every start — with or without an
 * endpoint — so a typo stops start-up with one line instead of silently exporting nothing (or the SDK falling back
 * to a default). Other `OTEL_*` variables pass to the SDK unchecked.
 */
export const TelemetryEnvSchema = Type.Object({
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(
    Type.String({
      pattern: URL_PATTERN,
      expected: 'an http:// or https:// URL',
      description:
        'OTLP collector base URL; set it to export traces and metrics (nothing is exported without it).',
    }),
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(
    Type.String({
      pattern: URL_PATTERN,
      expected: 'an http:// or https:// URL',
      description: 'Full URL for traces only (overrides the base endpoint for traces).',
    }),
  ),
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: Type.Optional(
    Type.String({
      pattern: URL_PATTERN,
      expected: 'an http:// or https:// URL',
      description: 'Full URL for metrics only (overrides the base endpoint for metrics).',
    }),
  ),
  OTEL_EXPORTER_OTLP_PROTOCOL: Type.Optional(
    anyCase(PROTOCOLS, 'OTLP transport: `http/protobuf` (the SDK default), `http/json` or `grpc`.'),
  ),
  OTEL_EXPORTER_OTLP_HEADERS: Type.Optional(
    Type.String({
      pattern: PAIRS,
      expected: 'a comma-separated list of key=value pairs',
      secret: true,
      description: 'Headers sent to the collector (`key=value,...`), e.g. an API key.',
    }),
  ),
  OTEL_EXPORTER_OTLP_TIMEOUT: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Time allowed for one export request, ms (SDK default 10000).' }),
  ),
  OTEL_SERVICE_NAME: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        '`service.name` of every span and metric (default `portcullis-api` / `portcullis-realtime`).',
    }),
  ),
  OTEL_RESOURCE_ATTRIBUTES: Type.Optional(
    Type.String({
      pattern: PAIRS,
      expected: 'a comma-separated list of key=value pairs',
      description: 'Extra resource attributes (`deployment.environment.name=prod,...`).',
    }),
  ),
  OTEL_TRACES_SAMPLER: Type.Optional(
    anyCase(
      [
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ],
      'Head sampler (SDK default `parentbased_always_on`).',
    ),
  ),
  OTEL_TRACES_SAMPLER_ARG: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1, description: 'Ratio of the `*traceidratio` samplers, 0–1.' }),
  ),
  OTEL_TRACES_EXPORTER: Type.Optional(
    Type.Array(anyCase(['otlp', 'console', 'none']), {
      expected: 'a comma-separated list of otlp, console, none',
      description: 'Trace exporters (SDK default `otlp`).',
    }),
  ),
  OTEL_METRICS_EXPORTER: Type.Optional(
    Type.Array(anyCase(['otlp', 'prometheus', 'console', 'none']), {
      expected: 'a comma-separated list of otlp, prometheus, console, none',
      description: 'Metric exporters (SDK default `otlp`).',
    }),
  ),
  OTEL_METRIC_EXPORT_INTERVAL: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Time between two metric exports, ms (SDK default 60000).' }),
  ),
  OTEL_LOG_LEVEL: Type.Optional(
    anyCase(
      ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'],
      "Level of OpenTelemetry's own diagnostics (default `info`); they are JSON lines on stdout like every other log.",
    ),
  ),
  OTEL_SDK_DISABLED: Type.Optional(
    anyCase(['true', 'false'], '`true` turns telemetry off even with an endpoint set.'),
  ),
  PORTCULLIS_MESSAGE_SPAN_RATIO: Type.Number({
    minimum: 0,
    maximum: 1,
    default: DEFAULT_MESSAGE_SPAN_RATIO,
    description: 'Share of client messages that get a `ws.message` span, 0–1 (metrics count every message).',
  }),
})

/** The validated telemetry settings. */
export type TelemetryEnv = Static<typeof TelemetryEnvSchema>

/**
 * Validates the telemetry variables; throws a one-line `ConfigError` naming the bad one.
 * @example loadTelemetryEnv({ OTEL_TRACES_SAMPLER: 'sometimes' }) // throws: OTEL_TRACES_SAMPLER must be one of …
 */
export function loadTelemetryEnv(env: Env): TelemetryEnv {
  return loadConfig(TelemetryEnvSchema, env)
}
