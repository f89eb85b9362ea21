// The real entry point (src/server.ts) serves https when TLS_CERT_FILE/TLS_KEY_FILE are set, with HSTS; and a
// production start-up without TLS refuses with one line per problem. The certificate comes from the generator
// behind `pnpm dev:tls`; clients trust only its CA.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest, type RequestOptions } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, uniquePrefix, waitFor } from '@portcullis/testkit'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

const appDir = fileURLToPath(new URL('../', import.meta.url))
const root = fileURLToPath(new URL('../../../', import.meta.url))
const tls = { dir: '', ca: Buffer.alloc(0), cert: '', key: '' }
const children: ChildProcess[] = []

/** Starts `src/server.ts` as `pnpm dev` would, with `env` on top of a minimal environment. */
function startServer(env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['--conditions=source', 'src/server.ts'], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  for (const s of [child.stdout, child.stderr]) s.on('data', (c: Buffer) => (output += c.toString()))
  return Object.assign(child, { output: () => output })
}

function get(
  send: typeof httpsRequest,
  options: RequestOptions,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    send({ host: '127.0.0.1', path: '/healthz', timeout: 3000, ...options }, (res) => {
      res.resume()
      resolve({ status: res.statusCode ?? 0, headers: res.headers })
    })
      .on('timeout', function (this: { destroy(e: Error): void }) {
        this.destroy(new Error('timeout'))
      })
      .on('error', reject)
      .end()
  })
}

beforeAll(() => {
  tls.dir = mkdtempSync(join(tmpdir(), 'portcullis-api-tls-'))
  const run = spawnSync(process.execPath, [`${root}scripts/dev-tls.ts`, '--certs-only', '--out', tls.dir], {
    encoding: 'utf8',
  })
  if (run.status !== 0) throw new Error(`dev-tls failed: ${run.stderr}`)
  const files = JSON.parse(run.stdout) as { ca: string; cert: string; key: string }
  Object.assign(tls, { ca: readFileSync(files.ca), cert: files.cert, key: files.key })
})

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  rmSync(tls.dir, { recursive: true, force: true })
})

describe('api over TLS', () => {
  it('serves https with HSTS to clients trusting the dev CA; plaintext and untrusted clients fail', async () => {
    const port = await freePort()
    const server = startServer({
      API_PORT: String(port),
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: uniquePrefix('api-tls'),
      DEV_KEYS_DIR: join(tls.dir, 'keys'),
      TLS_CERT_FILE: tls.cert,
      TLS_KEY_FILE: tls.key,
    })
    const res = await waitFor(
      () => get(httpsRequest, { port, ca: tls.ca }).catch(() => null),
      'the api to serve https',
      15_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; server said: ${server.output()}`)
    })
    expect(res.status).toBe(200)
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/)

    // Plain http to the TLS port gets no HTTP answer.
    await expect(get(httpRequest as typeof httpsRequest, { port })).rejects.toThrow(
      /socket hang up|ECONNRESET|parse|timeout/i,
    )
    // Without the dev CA the certificate does not verify.
    await expect(get(httpsRequest, { port })).rejects.toThrow(/self-signed|issuer|verify/i)
  })

  it('refuses a plaintext production start-up with one line per problem and exit code 1', async () => {
    const server = startServer({
      NODE_ENV: 'production',
      API_PORT: String(await freePort()),
      ALLOWED_ORIGINS: 'https://chat.example,http://insecure.example',
      REDIS_URL: 'redis://:secret-pw@127.0.0.1:6379',
      SIGNING_KEYS_FILE: '/nonexistent/signing-keys.json',
      USERS_FILE: '/nonexistent/users.json',
    })
    const code = await new Promise<number | null>((resolve) => server.once('exit', resolve))
    expect(code).toBe(1)
    const lines = server.output().trim().split('\n')
    expect(lines).toEqual([
      expect.stringMatching(/^refusing to start in production: plaintext: set TLS_CERT_FILE/),
      expect.stringMatching(/^refusing to start in production: ALLOWED_ORIGINS must be https:\/\/ origins/),
    ])
    expect(server.output()).not.toContain('secret-pw')
  })
})
