// wss:// end to end: the realtime app serves TLS itself when TLS_CERT_FILE/TLS_KEY_FILE are set. The certificate
// comes from the generator behind `pnpm dev:tls` (a local CA + a localhost leaf), and clients trust only that CA.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { bearer, connect, startApp } from './helper.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const tls = { dir: '', ca: Buffer.alloc(0), cert: '', key: '' }

beforeAll(() => {
  tls.dir = mkdtempSync(join(tmpdir(), 'portcullis-rt-tls-'))
  const run = spawnSync(process.execPath, [`${root}scripts/dev-tls.ts`, '--certs-only', '--out', tls.dir], {
    encoding: 'utf8',
  })
  if (run.status !== 0) throw new Error(`dev-tls failed: ${run.stderr}`)
  const files = JSON.parse(run.stdout) as { ca: string; cert: string; key: string }
  Object.assign(tls, { ca: readFileSync(files.ca), cert: files.cert, key: files.key })
})

afterAll(() => rmSync(tls.dir, { recursive: true, force: true }))

/** What happens to a WebSocket handshake: `open`, an HTTP status, or the error's message. */
function attempt(url: string, options: Record<string, unknown> = {}): Promise<string> {
  const ws = new WebSocket(url, options)
  return new Promise<string>((resolve) => {
    ws.once('open', () => resolve('open'))
    ws.once('unexpected-response', (_req, res) => resolve(`status ${res.statusCode}`))
    ws.once('error', (err) => resolve(`error: ${err.message}`))
  }).finally(() => ws.terminate())
}

describe('realtime over TLS', () => {
  it('accepts wss with the dev CA, refuses plaintext ws:// and untrusted clients', async () => {
    const t = await startApp({ TLS_CERT_FILE: tls.cert, TLS_KEY_FILE: tls.key })
    const wss = t.url.replace('ws://', 'wss://')
    const alice = await t.login('alice', ['user'], { username: 'alice' })

    const client = await connect(wss, { headers: bearer(alice.token), wsOptions: { ca: tls.ca } })
    client.send({ type: 'ping', id: 'p1' })
    expect(await client.next({ type: 'pong' })).toEqual({ type: 'pong', id: 'p1' })
    // `localhost` matches the certificate's DNS name as well as its IP address.
    const byName = await attempt(wss.replace('127.0.0.1', 'localhost'), {
      ca: tls.ca,
      headers: bearer(alice.token),
    })
    expect(byName).toBe('open')

    // A plaintext WebSocket to the TLS port never upgrades (the TLS server hangs up on a plain HTTP request).
    expect(await attempt(t.url, { headers: bearer(alice.token) })).toMatch(/^error: /)
    // Without the CA the certificate is not trusted: no handshake at all.
    expect(await attempt(wss, { headers: bearer(alice.token) })).toMatch(
      /^error: .*(self-signed|issuer|verify)/i,
    )
  })

  it('serves health over https with HSTS', async () => {
    const t = await startApp({ TLS_CERT_FILE: tls.cert, TLS_KEY_FILE: tls.key })
    const port = new URL(t.url).port
    const res = await new Promise<{ status: number; hsts: unknown }>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/healthz', ca: tls.ca }, (r) => {
        r.resume()
        resolve({ status: r.statusCode ?? 0, hsts: r.headers['strict-transport-security'] })
      })
        .on('error', reject)
        .end()
    })
    expect(res).toEqual({ status: 200, hsts: expect.stringMatching(/^max-age=\d+/) })
  })
})
