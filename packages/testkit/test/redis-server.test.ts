import { createClient } from 'redis'
import { expect, inject, it } from 'vitest'
import { startRedisServer } from '../src/index.ts'

it('the global setup provides a reachable redis-server', async () => {
  const client = createClient({ url: inject('redisUrl') })
  await client.connect()
  expect(await client.ping()).toBe('PONG')
  await client.close()
})

it('startRedisServer stops exactly its own process and can restart on the same port', async () => {
  const server = await startRedisServer()
  const client = createClient({ url: server.url, socket: { reconnectStrategy: false } })
  client.on('error', () => {})
  await client.connect()
  expect(await client.set('k', 'v')).toBe('OK')
  await client.close()
  await server.kill()
  const refused = createClient({ url: server.url, socket: { reconnectStrategy: false } })
  refused.on('error', () => {})
  await expect(refused.connect()).rejects.toThrow(/ECONNREFUSED/)
  await server.start()
  const again = createClient({ url: server.url })
  await again.connect()
  // persistence is off: the restarted server is empty
  expect(await again.get('k')).toBeNull()
  await again.close()
  await server.stop()
})
