import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, waitFor } from '@portcullis/testkit'
import { expect, it, onTestFinished } from 'vitest'
import { redisUrl } from './helper.ts'

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))

function get(
  port: number,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown> } | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      res.resume()
      resolve({ status: res.statusCode ?? 0, headers: res.headers })
    })
    req.on('error', () => resolve(null))
    req.end()
  })
}

it('server.ts serves https with HSTS when TLS_CERT_FILE/TLS_KEY_FILE are set, and exits 0 on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-tls-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
  const ssl = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-keyout',
    key,
    '-out',
    cert,
  ])
  expect(ssl.status).toBe(0)
  const port = await freePort()
  const child = spawn(process.execPath, ['--conditions=source', server], {
    env: {
      PATH: process.env.PATH,
      API_PORT: String(port),
      REDIS_URL: redisUrl(),
      DEV_KEYS_DIR: join(dir, 'keys'),
      TLS_CERT_FILE: cert,
      TLS_KEY_FILE: key,
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  })
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const res = await waitFor(() => get(port, '/healthz'), 'https /healthz', 15_000)
  expect(res.status).toBe(200)
  expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains')
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  expect(await exited).toBe(0)
})
