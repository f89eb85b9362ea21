import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, startRedisServer, waitFor } from '@portcullis/testkit'
import { expect, it, onTestFinished } from 'vitest'

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))

// Quick start §4: run the api against a Redis that is not there yet. It starts, says so in ONE line (not one per
// retry), keeps retrying, and becomes ready by itself once Redis comes up on that address.
it('logs one clear line while the store is unreachable at boot, keeps retrying, then recovers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-store-boot-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const [apiPort, redisPort] = [await freePort(), await freePort()]
  const child = spawn(process.execPath, ['--conditions=source', server], {
    env: {
      PATH: process.env.PATH,
      API_PORT: String(apiPort),
      REDIS_URL: `redis://default:s3cret-pw@127.0.0.1:${redisPort}`,
      DEV_KEYS_DIR: dir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr.on('data', (c: Buffer) => (out += c.toString()))
  onTestFinished(() => void child.kill('SIGKILL'))
  const storeLines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as { level: number; msg: string; store?: string; reason?: string; reqId?: string },
      )
      // Start-up and connection lines; requests answered 503 meanwhile log their own (with a reqId).
      .filter((l) => l.store !== undefined && l.reqId === undefined)
  const readyz = () =>
    fetch(`http://127.0.0.1:${apiPort}/readyz`).then(
      (r) => r.status,
      () => 0,
    )

  await waitFor(() => out.includes('Server listening'), `the api to listen; output:\n${out}`, 20_000)
  expect(await readyz()).toBe(503)
  // Several reconnect attempts happen meanwhile (backoff ≤ 2 s): still one line.
  await new Promise((r) => setTimeout(r, 2500))
  expect(storeLines(), out).toHaveLength(1)
  const [down] = storeLines()
  expect(down!.level).toBe(40)
  expect(down!.msg).toMatch(/^session store unreachable: retrying/)
  expect(down!.store).toBe(`redis://default:***@127.0.0.1:${redisPort}`)
  expect(down!.reason).toMatch(/ECONNREFUSED/)
  expect(out).not.toContain('s3cret-pw')

  const redis = await startRedisServer({ port: redisPort })
  onTestFinished(() => redis.stop())
  await waitFor(async () => (await readyz()) === 200, 'readyz 200 once Redis is up', 10_000)
  // The line is written as the client turns ready; on a busy machine it may reach our pipe after readyz answers.
  await waitFor(() => storeLines().length === 2, `the "reachable again" line; output:\n${out}`, 5000)
  expect(storeLines().map((l) => l.msg)).toEqual([down!.msg, 'session store reachable again'])
})
