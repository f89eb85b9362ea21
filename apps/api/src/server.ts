import { readFileSync } from 'node:fs'
import { runMain } from '@portcullis/config'
import { shutdownTelemetry } from '@portcullis/telemetry/setup'
import { buildApp } from './app.ts'
import { loadApiConfig } from './config.ts'

/** Start-up: config → app → listen; SIGINT/SIGTERM close gracefully (in-flight requests finish, 10 s cap). */
runMain(async () => {
  const config = loadApiConfig(process.env)
  const https =
    config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) }
      : null
  const app = await buildApp(config, { https })
  app.server.requestTimeout = 10_000
  app.server.headersTimeout = 5_000
  app.server.keepAliveTimeout = 5_000
  await app.listen({ host: config.API_HOST, port: config.API_PORT })

  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    app
      .close()
      .then(() => shutdownTelemetry())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      )
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))
})
