import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { uniquePrefix } from '@portcullis/testkit'
import type { LogCapture } from '@portcullis/telemetry/testing'
import type { FastifyInstance } from 'fastify'
import { inject, onTestFinished } from 'vitest'
import { Client, open as openWs, type ConnectOptions } from '@portcullis/testkit/ws'

/** The two apps of one telemetry test, on loopback ports, sharing Redis prefix, issuer and audience. */
export interface Stack {
  apiUrl: string
  wsUrl: string
  realtime: FastifyInstance
}

export const ORIGIN = 'http://app.test'

/**
 * Starts the api and the realtime app. Both modules are imported here, lazily, so the caller can install the
 * test telemetry first (the instrumentation must be in place before fastify and redis load).
 */
export async function startStack(logs: LogCapture, realtimeEnv: Record<string, string> = {}): Promise<Stack> {
  const [{ buildApp: buildApi, loadApiConfig }, { buildApp: buildRealtime, loadRealtimeConfig }] =
    await Promise.all([import('@portcullis/api'), import('@portcullis/realtime')])
  const redisUrl = inject('redisUrl')
  const prefix = uniquePrefix('otel')
  const api = await buildApi(
    loadApiConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      JWT_ISSUER: 'otel-test',
      JWT_AUDIENCE: 'otel-test',
      ALLOWED_ORIGINS: ORIGIN,
      DEV_KEYS_DIR: mkdtempSync(join(tmpdir(), 'portcullis-otel-keys-')),
    }),
    { logStream: logs.stream, hashOptions: { memoryCost: 1024, timeCost: 1, parallelism: 1 } },
  )
  onTestFinished(() => api.close())
  await api.listen({ host: '127.0.0.1', port: 0 })
  const apiUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`

  const realtime = await buildRealtime(
    loadRealtimeConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      JWT_ISSUER: 'otel-test',
      JWT_AUDIENCE: 'otel-test',
      JWKS_URL: `${apiUrl}/.well-known/jwks.json`,
      ALLOWED_ORIGINS: ORIGIN,
      ...realtimeEnv,
    }),
    { logStream: logs.stream },
  )
  onTestFinished(() => realtime.close())
  await realtime.listen({ host: '127.0.0.1', port: 0 })
  const wsUrl = `ws://127.0.0.1:${(realtime.server.address() as { port: number }).port}/v1/ws`
  return { apiUrl, wsUrl, realtime }
}

/** A JSON call to the api with optional bearer and `traceparent` (what the client SDK sends). */
export async function call(
  stack: Stack,
  path: string,
  options: { body?: unknown; bearer?: string; traceparent?: string; origin?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {}
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`
  if (options.traceparent) headers.traceparent = options.traceparent
  if (options.origin) headers.origin = options.origin
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

/** Opens a socket; resolves after `welcome`, rejects with the refusal status. */
export async function open(
  url: string,
  options: { protocols?: string[]; headers?: Record<string, string> } = {},
): Promise<Client> {
  const result = await openWs(url, options)
  if (result instanceof Client) return result
  throw Object.assign(new Error(`upgrade refused: ${result.status}`), { status: result.status })
}

/** The HTTP status of a refused upgrade (101 when it was accepted). */
export async function refusedStatus(url: string, options: ConnectOptions = {}): Promise<number> {
  const result = await openWs(url, options)
  if (!(result instanceof Client)) return result.status
  result.ws.close()
  return 101
}
