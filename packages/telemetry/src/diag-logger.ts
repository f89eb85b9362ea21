import { DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import { pino, type DestinationStream } from 'pino'
import { loggerOptions } from './logger.ts'

/** `OTEL_LOG_LEVEL` (any case) → the SDK's diag level and the pino level its lines are written at. */
const LEVELS: Record<string, { diag: DiagLogLevel; pino: string }> = {
  none: { diag: DiagLogLevel.NONE, pino: 'silent' },
  error: { diag: DiagLogLevel.ERROR, pino: 'error' },
  warn: { diag: DiagLogLevel.WARN, pino: 'warn' },
  info: { diag: DiagLogLevel.INFO, pino: 'info' },
  debug: { diag: DiagLogLevel.DEBUG, pino: 'debug' },
  verbose: { diag: DiagLogLevel.VERBOSE, pino: 'trace' },
  all: { diag: DiagLogLevel.ALL, pino: 'trace' },
}

/** The diag level for an `OTEL_LOG_LEVEL` value (default `info`, as the SDK's). */
export function diagLevel(otelLogLevel: string | undefined): DiagLogLevel {
  return (LEVELS[(otelLogLevel ?? 'info').toLowerCase()] ?? LEVELS.info!).diag
}

/** Diag arguments as JSON-safe values: errors keep their type and message, never a stack with secrets in it. */
function detail(args: unknown[]): Record<string, unknown> {
  if (args.length === 0) return {}
  const err = args.find((a): a is Error => a instanceof Error)
  const rest = args.filter((a) => a !== err).map((a) => (typeof a === 'object' ? a : String(a)))
  return {
    ...(err ? { err: { type: err.name, message: err.message } } : {}),
    ...(rest.length > 0 ? { args: rest } : {}),
  }
}

/**
 * OpenTelemetry's own diagnostics (exporter failures, SDK warnings) as JSON log lines named `otel`, with the
 * same redaction as the app's logger — never plain text in the log stream (the SDK's default `DiagConsoleLogger`).
 * @example diag.setLogger(jsonDiagLogger('info'), { logLevel: diagLevel('info'), suppressOverrideMessage: true })
 */
export function jsonDiagLogger(
  otelLogLevel: string | undefined,
  destination?: DestinationStream,
): DiagLogger {
  const level = (LEVELS[(otelLogLevel ?? 'info').toLowerCase()] ?? LEVELS.info!).pino
  const log = pino(loggerOptions({ level, name: 'otel' }), destination ?? pino.destination(1))
  return {
    error: (message, ...args) => log.error(detail(args), message),
    warn: (message, ...args) => log.warn(detail(args), message),
    info: (message, ...args) => log.info(detail(args), message),
    debug: (message, ...args) => log.debug(detail(args), message),
    verbose: (message, ...args) => log.trace(detail(args), message),
  }
}
