import { Writable } from 'node:stream'
import { context, metrics, propagation, trace, type Attributes } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics'
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace'
import { portcullisInstrumentations } from './instrumentations.ts'

/** Re-exported for tests that check span kinds without depending on the OpenTelemetry API. */
export { SpanKind } from '@opentelemetry/api'
export type { ReadableSpan } from '@opentelemetry/sdk-trace'

/** A reader whose only job is `collect()` on demand (no timer, no export). */
class OnDemandMetricReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** In-memory telemetry for tests: every finished span, metrics on demand. */
export interface TestTelemetry {
  /** Spans ended so far (since the last `reset`). */
  spans(): ReadableSpan[]
  /** Forgets the recorded spans (metrics are cumulative: compare values before and after). */
  reset(): void
  /** Collects every metric now. */
  collect(): Promise<MetricData[]>
  /**
   * The current value of a metric: a counter's sum, or a histogram's count, over the data points whose attributes
   * include `match` (0 when none).
   */
  value(name: string, match?: Attributes): Promise<number>
}

const KEY = Symbol.for('@portcullis/telemetry.test')
type Global = typeof globalThis & { [KEY]?: TestTelemetry }

/**
 * Installs the global tracer/meter providers (in-memory exporter, on-demand reader), the AsyncLocalStorage
 * context manager, the W3C propagator and the apps' instrumentations — once per process. Call it BEFORE
 * fastify or redis are loaded (import the app dynamically afterwards), as `node --import` does in production.
 * @example const otel = installTestTelemetry(); const { buildApp } = await import('../src/app.ts')
 */
export function installTestTelemetry(): TestTelemetry {
  const g = globalThis as Global
  if (g[KEY]) return g[KEY]
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  const reader = new OnDemandMetricReader()
  const meterProvider = new MeterProvider({ readers: [reader] })
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  trace.setGlobalTracerProvider(tracerProvider)
  metrics.setGlobalMeterProvider(meterProvider)
  registerInstrumentations({ instrumentations: portcullisInstrumentations(), tracerProvider, meterProvider })

  const collect = async (): Promise<MetricData[]> => {
    const { resourceMetrics } = await reader.collect()
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
  }
  const telemetry: TestTelemetry = {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    collect,
    async value(name, match = {}) {
      let total = 0
      for (const metric of await collect()) {
        if (metric.descriptor.name !== name) continue
        for (const point of metric.dataPoints) {
          if (!Object.entries(match).every(([k, v]) => point.attributes[k] === v)) continue
          if (metric.dataPointType === DataPointType.HISTOGRAM)
            total += (point.value as { count: number }).count
          else total += point.value as number
        }
      }
      return total
    },
  }
  return (g[KEY] = telemetry)
}

/** Captured log output: a pino/Fastify destination stream and what was written to it. */
export interface LogCapture {
  /** Pass as pino's destination or Fastify's `logger.stream`. */
  readonly stream: Writable
  /** Everything written so far. */
  text(): string
  /** Every JSON line parsed. */
  lines(): Array<Record<string, unknown>>
  /** The security events named `name` (lines whose `event` field is it). */
  events(name: string): Array<Record<string, unknown>>
}

/**
 * A log sink for tests.
 * @example const logs = captureLogs(); Fastify({ logger: { ...loggerOptions({ level: 'info' }), stream: logs.stream } })
 */
export function captureLogs(): LogCapture {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      text += chunk.toString()
      done()
    },
  })
  const lines = (): Array<Record<string, unknown>> =>
    text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  return { stream, text: () => text, lines, events: (name) => lines().filter((l) => l.event === name) }
}

/** One place a secret was found. */
export interface SecretFinding {
  secret: string
  where: string
}

/**
 * Every place any `secrets` value (or its URL-encoded form) appears in the recorded spans (names, attributes,
 * events, links, status), metric names/attributes and `logText`. Empty means clean.
 */
export async function findSecrets(
  telemetry: TestTelemetry,
  secrets: string[],
  logText = '',
): Promise<SecretFinding[]> {
  const haystacks: Array<[string, string]> = []
  for (const s of telemetry.spans()) {
    haystacks.push([
      `span ${s.name}`,
      JSON.stringify({
        name: s.name,
        attributes: s.attributes,
        events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
        links: s.links.map((l) => l.attributes ?? {}),
        status: s.status,
        resource: s.resource.attributes,
      }),
    ])
  }
  for (const m of await telemetry.collect())
    haystacks.push([`metric ${m.descriptor.name}`, JSON.stringify(m.dataPoints.map((p) => p.attributes))])
  if (logText) haystacks.push(['logs', logText])
  const findings: SecretFinding[] = []
  for (const secret of secrets.filter((x) => x.length >= 6)) {
    const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])
    for (const [where, text] of haystacks)
      if ([...forms].some((f) => text.includes(f))) findings.push({ secret: `${secret.slice(0, 4)}…`, where })
  }
  return findings
}
