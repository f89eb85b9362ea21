import { startRedisServer, waitFor } from '@portcullis/testkit'
import { expect, it, onTestFinished } from 'vitest'
import { buildTestApp } from './helper.ts'

it('answers /healthz and /readyz when Redis is up', async () => {
  const { app } = await buildTestApp()
  await waitFor(async () => (await app.inject('/readyz')).statusCode === 200, 'ready')
  expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' })
  expect((await app.inject('/readyz')).json()).toEqual({ status: 'ready' })
})

it('answers /readyz 503 with Retry-After within 2 s when Redis is down, and recovers', async () => {
  const server = await startRedisServer()
  onTestFinished(() => server.stop())
  const { app } = await buildTestApp({ REDIS_URL: server.url })
  await waitFor(async () => (await app.inject('/readyz')).statusCode === 200, 'ready')
  await server.kill()
  const started = Date.now()
  const res = await app.inject('/readyz')
  expect(Date.now() - started).toBeLessThan(2000)
  expect(res.statusCode).toBe(503)
  expect(res.headers['retry-after']).toBe('2')
  expect(res.json()).toEqual({ error: 'store_unavailable', message: expect.any(String) as string })
  expect((await app.inject('/healthz')).statusCode).toBe(200)
  await server.start()
  await waitFor(async () => (await app.inject('/readyz')).statusCode === 200, 'ready again', 10_000)
})

it('answers unknown routes with the JSON error shape', async () => {
  const { app } = await buildTestApp()
  const res = await app.inject('/nope?ticket=secret')
  expect(res.statusCode).toBe(404)
  expect(res.json()).toEqual({ error: 'not_found', message: 'GET /nope not found' })
})
