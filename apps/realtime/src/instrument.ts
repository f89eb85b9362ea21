// Loaded before anything else with `node --import` (see package.json `start`/`dev`): instrumentation hooks must be
// in place before fastify and redis are first loaded. Configured by the standard OTEL_* variables alone; without
// OTEL_EXPORTER_OTLP_ENDPOINT nothing is loaded, recorded or exported.
import { startTelemetry } from '@portcullis/telemetry/setup'

try {
  await startTelemetry({ serviceName: 'portcullis-realtime' })
} catch (err) {
  // A bad telemetry variable stops start-up with one line, like every other configuration error.
  console.error((err as Error).message)
  process.exit(1)
}
