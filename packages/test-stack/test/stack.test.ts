import { expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import { startStack } from '../src/index.ts'

it('starts both apps on one redis prefix: a login on the api opens a socket on realtime', async () => {
  const stack = await startStack({ label: 'stack-test' })
  onTestFinished(() => stack.close())
  expect((await fetch(`${stack.apiUrl}/readyz`)).status).toBe(200)

  const login = await fetch(`${stack.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
  })
  expect(login.status).toBe(200)
  const { accessToken } = (await login.json()) as { accessToken: string }

  const socket = new WebSocket(`${stack.realtimeUrl}/v1/ws`, {
    headers: { authorization: `Bearer ${accessToken}` },
  })
  const first = await new Promise<string>((resolve, reject) => {
    socket.once('message', (data) => resolve(String(data)))
    socket.once('error', reject)
  })
  expect(JSON.parse(first)).toMatchObject({ type: 'welcome', user: { username: 'alice' } })
  socket.close()
})

it('closes cleanly: the ports stop answering', async () => {
  const stack = await startStack()
  await stack.close()
  await expect(fetch(`${stack.apiUrl}/healthz`)).rejects.toThrow(/fetch failed/)
})
