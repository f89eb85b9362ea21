import { runMain } from '@portcullis/config'
import { CLOSE_CODES } from '@portcullis/protocol'
import { shutdownTelemetry } from '@portcullis/telemetry/setup'
import { buildApp } from './app.ts'
import { loadRealtimeConfig } from './config.ts'

/** Time allowed for close handshakes on shutdown before the remaining sockets are cut, ms. */
const DRAIN_TIMEOUT_MS = 5000

/**
 * Starts the realtime server from the environment: validate config (one-line error, exit 1), listen, and on
 * SIGTERM (restart: 1012) or SIGINT (going away: 1001) stop accepting, close every socket, drain, exit 0.
 */
runMain(async () => {
  const config = loadRealtimeConfig(process.env)
  const app = await buildApp(config)
  // Bound how long a client may take to send its request head (slowloris) and keep idle HTTP short.
  app.server.headersTimeout = 10_000
  app.server.keepAliveTimeout = 5_000
  await app.listen({ host: config.REALTIME_HOST, port: config.REALTIME_PORT })

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    const close = signal === 'SIGTERM' ? CLOSE_CODES.restart : CLOSE_CODES.goingAway
    app.log.info({ signal }, 'shutting down: closing sockets')
    app
      .drain(close.code, close.reason, DRAIN_TIMEOUT_MS)
      .then(() => app.close())
      .then(() => shutdownTelemetry())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          app.log.error({ err }, 'shutdown failed')
          process.exit(1)
        },
      )
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
})
