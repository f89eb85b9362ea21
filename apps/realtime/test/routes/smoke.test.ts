import { expect, test } from 'vitest'
import { bearer, connect, startApp } from '../helper.ts'

test('a bearer token upgrades and gets welcome, ping → pong', async () => {
  const t = await startApp()
  const alice = await t.login('alice', ['user'], { username: 'alice' })
  const c = await connect(t.url, { headers: bearer(alice.token) })
  const welcome = await c.next({ type: 'welcome' })
  expect(welcome).toMatchObject({
    user: { id: 'alice', username: 'alice', roles: ['user'] },
    expiresAt: alice.exp * 1000,
    limits: { maxMessageBytes: 16384, msgRatePerS: 20, msgBurst: 40, idleTimeoutMs: 300000 },
  })
  c.send({ type: 'ping', id: 'p1' })
  expect(await c.next({ type: 'pong' })).toEqual({ type: 'pong', id: 'p1' })
})
