import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { freePort, startRedisServer, waitFor } from '@portcullis/testkit'
import { expect, it, onTestFinished } from 'vitest'

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))

// Quick start §4: run realtime against a Redis that is not there yet. It starts, says so in ONE line (not one per
// retry), keeps retrying, and becomes ready by itself once Redis comes up on that address.
it('logs one clear line while the store is unreachable at boot, keeps retrying, then recovers', async () => {
  // The api's key set, served locally: this test is about the store only.
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'boot-test', alg: 'ES256', use: 'sig' }
  const jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r))
  onTestFinished(() => void jwks.close())

  const [port, redisPort] = [await freePort(), await freePort()]
  const child = spawn(process.execPath, ['--conditions=source', server], {
    env: {
      PATH: process.env.PATH,
      REALTIME_PORT: String(port),
      REDIS_URL: `redis://default:s3cret-pw@127.0.0.1:${redisPort}`,
      JWKS_URL: `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`,
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
    fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      () => 0,
    )

  await waitFor(() => out.includes('Server listening'), `realtime to listen; output:\n${out}`, 20_000)
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
  expect(storeLines().map((l) => l.msg)).toEqual([down!.msg, 'session store reachable again'])
})
