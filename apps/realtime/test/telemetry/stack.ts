import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { uniquePrefix } from '@portcullis/testkit'
import type { LogCapture } from '@portcullis/telemetry/testing'
import type { FastifyInstance } from 'fastify'
import { inject, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import type { RealtimeConfig } from '../../src/config.ts'

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
export async function startStack(
  logs: LogCapture,
  realtimeOverrides: Partial<RealtimeConfig> = {},
): Promise<Stack> {
  const [{ buildApp: buildApi, loadApiConfig }, { buildApp: buildRealtime }, { testConfig }] =
    await Promise.all([import('@portcullis/api'), import('../../src/app.ts'), import('../../src/config.ts')])
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
    testConfig({
      LOG_LEVEL: 'info',
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      JWT_ISSUER: 'otel-test',
      JWT_AUDIENCE: 'otel-test',
      JWKS_URL: `${apiUrl}/.well-known/jwks.json`,
      ALLOWED_ORIGINS: [ORIGIN],
      ...realtimeOverrides,
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

/** An open socket with its received frames. */
export interface OpenSocket {
  ws: WebSocket
  frames: Array<Record<string, unknown>>
  closed: Promise<{ code: number; reason: string }>
  /** Resolves with the first frame matching `pred` (already received or future). */
  next(pred: (f: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
}

/** Opens a socket; resolves after `welcome`, rejects with the refusal status. */
export function open(
  url: string,
  options: { protocols?: string[]; headers?: Record<string, string> } = {},
): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} })
    const frames: Array<Record<string, unknown>> = []
    const waiters: Array<[(f: Record<string, unknown>) => boolean, (f: Record<string, unknown>) => void]> = []
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    )
    const socket: OpenSocket = {
      ws,
      frames,
      closed,
      next: (pred) =>
        new Promise((r) => {
          const found = frames.find(pred)
          if (found) r(found)
          else waiters.push([pred, r])
        }),
    }
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>
      frames.push(frame)
      for (const [pred, r] of waiters.splice(0))
        if (pred(frame)) r(frame)
        else waiters.push([pred, r])
      if (frame.type === 'welcome') resolve(socket)
    })
    ws.on('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }))
      res.resume()
      ws.terminate()
    })
    ws.on('error', (err) => reject(err))
  })
}

/** The HTTP status of a refused upgrade. */
export async function refusedStatus(url: string, options: Parameters<typeof open>[1] = {}): Promise<number> {
  try {
    const socket = await open(url, options)
    socket.ws.close()
    return 101
  } catch (err) {
    return (err as { status?: number }).status ?? 0
  }
}
