import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, inject, onTestFinished, test } from 'vitest'
import { freePort, waitFor } from '@portcullis/testkit'
import { bearer, connect, jwksOf, shared, startApp, AUDIENCE, ISSUER } from './helper.ts'

const serverTs = fileURLToPath(new URL('../src/server.ts', import.meta.url))

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=source', serverTs], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  return { child, exited, out: () => stdout, err: () => stderr }
}

test('a bad environment exits 1 with one line naming the variable', async () => {
  const p = run({ MSG_BURST: 'lots' })
  expect(await p.exited).toBe(1)
  expect(p.err().trim().split('\n')).toHaveLength(1)
  expect(p.err()).toContain('MSG_BURST')
})

test('SIGTERM: sockets closed 1012 restart, then the process exits 0', async () => {
  const s = shared()
  // The session store and keys of an in-process app on the same Redis/prefix; the spawned server reads the JWKS.
  const t = await startApp({}, { shared: s })
  const jwks = await jwksOf(s)
  const port = await freePort()
  const p = run({
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: s.prefix,
    REALTIME_PORT: String(port),
    JWKS_URL: jwks.url,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
  })
  await waitFor(() => p.out().includes('Server listening'), 'server listening', 15_000)
  const login = await t.login()
  const c = await connect(`ws://127.0.0.1:${port}/v1/ws`, { headers: bearer(login.token) })
  p.child.kill('SIGTERM')
  expect(await c.closed).toEqual({ code: 1012, reason: 'restart' })
  expect(await p.exited).toBe(0)
  expect(p.out()).not.toContain(login.token)
})
