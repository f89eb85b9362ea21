/**
 * Telemetry start-up, loaded before the app with `node --import` (see `apps/*\/src/instrument.ts`).
 * This file imports nothing heavy: the OpenTelemetry SDK is loaded only when an OTLP endpoint is configured.
 */
import { loadTelemetryEnv } from './env.ts'

/** A running (or disabled) telemetry setup. */
export interface TelemetryHandle {
  /** False when no OTLP endpoint is configured: nothing is recorded or exported. */
  readonly enabled: boolean
  /** Flushes and stops exporting (call last during graceful shutdown). */
  shutdown(): Promise<void>
}

const DISABLED: TelemetryHandle = { enabled: false, shutdown: async () => {} }
const HANDLE = Symbol.for('@portcullis/telemetry.handle')
type Global = typeof globalThis & { [HANDLE]?: TelemetryHandle }

/**
 * True when the standard variables ask for export: an OTLP endpoint (general or per signal) is set and
 * `OTEL_SDK_DISABLED` is not `true`.
 */
export function telemetryRequested(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false
  return Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT ||
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
  )
}

/**
 * Starts traces + metrics over OTLP, configured by the standard `OTEL_*` variables alone (endpoint, protocol,
 * headers, sampler, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, exporters). `serviceName` is the default
 * `service.name` when the environment names none. Logs stay on stdout (pino): `OTEL_LOGS_EXPORTER` defaults to
 * `none`, and the SDK's own diagnostics are JSON lines named `otel` (`OTEL_LOG_LEVEL`, default `info`). One variable
 * of ours: `PORTCULLIS_MESSAGE_SPAN_RATIO` (default 0.01), the share of client messages that get a `ws.message` span.
 * The variables are validated first, endpoint or not (`TelemetryEnvSchema`: a bad one throws a one-line
 * `ConfigError`). Without an endpoint it returns a disabled handle and loads nothing. Idempotent per process.
 * @example await startTelemetry({ serviceName: 'portcullis-api' })
 */
export async function startTelemetry(options: {
  serviceName: string
  env?: Record<string, string | undefined>
}): Promise<TelemetryHandle> {
  const g = globalThis as Global
  if (g[HANDLE]) return g[HANDLE]
  const env = options.env ?? process.env
  const settings = loadTelemetryEnv(env)
  if (!telemetryRequested(env)) return (g[HANDLE] = DISABLED)

  env.OTEL_LOGS_EXPORTER ??= 'none'
  const [
    { diag },
    { startNodeSdk },
    { defaultResource, resourceFromAttributes },
    { portcullisInstrumentations },
    { diagLevel, jsonDiagLogger },
  ] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/resources'),
    import('./instrumentations.ts'),
    import('./diag-logger.ts'),
  ])
  const sdk = startNodeSdk({
    instrumentations: portcullisInstrumentations(),
    baseResource: defaultResource().merge(resourceFromAttributes({ 'service.name': options.serviceName })),
    // The SDK installs a plain-text console diag logger; silence it, then route diagnostics to JSON lines.
    logLevel: 'NONE',
  })
  diag.setLogger(jsonDiagLogger(settings.OTEL_LOG_LEVEL), {
    logLevel: diagLevel(settings.OTEL_LOG_LEVEL),
    suppressOverrideMessage: true,
  })
  const { setMessageSpanRatio } = await import('./connection.ts')
  setMessageSpanRatio(settings.PORTCULLIS_MESSAGE_SPAN_RATIO)
  const handle: TelemetryHandle = { enabled: true, shutdown: () => sdk.shutdown() }
  return (g[HANDLE] = handle)
}

export { DEFAULT_MESSAGE_SPAN_RATIO } from './env.ts'

/** Parses `PORTCULLIS_MESSAGE_SPAN_RATIO` (0–1; unset = the default). Throws one line naming the variable. */
export function messageSpanRatio(raw: string | undefined): number {
  return loadTelemetryEnv({ PORTCULLIS_MESSAGE_SPAN_RATIO: raw }).PORTCULLIS_MESSAGE_SPAN_RATIO
}

/**
 * Flushes and stops the telemetry started by `startTelemetry` (a no-op when it is disabled or never started).
 * Never rejects and waits at most `timeoutMs` (default 2000): an unreachable collector must not hold up or fail
 * a graceful shutdown (the exporter's own retries would take ≈ 10 s).
 */
export async function shutdownTelemetry(timeoutMs = 2000): Promise<void> {
  const handle = (globalThis as Global)[HANDLE]
  if (!handle?.enabled) return
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    handle.shutdown().catch(() => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ])
  clearTimeout(timer)
}
