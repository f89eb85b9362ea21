import { startRedisServer, waitFor } from '@portcullis/testkit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createRedisClient, storeAddress, watchStoreConnection } from '../src/redis.ts'

function capture() {
  const lines: Array<{ level: 'info' | 'warn'; msg: string; fields: Record<string, unknown> }> = []
  return {
    lines,
    log: {
      info: (fields: object, msg: string) => lines.push({ level: 'info', msg, fields: { ...fields } }),
      warn: (fields: object, msg: string) => lines.push({ level: 'warn', msg, fields: { ...fields } }),
    },
  }
}

describe('watchStoreConnection (real redis-server)', () => {
  it('says nothing on a normal start, then one line when the store is lost and one when it is back', async () => {
    const server = await startRedisServer()
    onTestFinished(() => server.stop())
    const redis = createRedisClient(server.url, { maxReconnectDelayMs: 100 })
    onTestFinished(() => redis.destroy())
    const { lines, log } = capture()
    const watch = watchStoreConnection(redis, log, server.url)
    await redis.connect()
    watch.startupDone()
    expect(lines).toEqual([])

    await server.kill()
    await waitFor(() => lines.length > 0, 'the lost line')
    await new Promise((r) => setTimeout(r, 500)) // several failed reconnects
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'session store connection lost: retrying in the background'],
    ])

    await server.start()
    await waitFor(() => lines.length > 1, 'the reachable-again line')
    expect(lines[1]).toMatchObject({ level: 'info', msg: 'session store reachable again' })
  })

  it('never shows the password of the store address', () => {
    expect(storeAddress('redis://api:s3cret@redis.internal:6379/0')).toBe(
      'redis://api:***@redis.internal:6379/0',
    )
    expect(storeAddress('not a url')).toBe('(unparseable REDIS_URL)')
  })
})
