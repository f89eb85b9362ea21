import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpsServer, type ServerOptions } from 'node:https'
import { connect, createServer as createNetServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runConformance, type Report } from '../src/index.ts'

// The TLS cases against servers built to pass or fail them: they must be able to fail.
const root = fileURLToPath(new URL('../../../', import.meta.url))
let dir = ''
let tls: { ca: string; cert: string; key: string }
const servers: Server[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conformance-tls-'))
  const certs = spawnSync(
    process.execPath,
    [join(root, 'scripts/dev-tls.ts'), '--certs-only', '--out', dir],
    {
      encoding: 'utf8',
    },
  )
  if (certs.status !== 0) throw new Error(certs.stderr)
  const files = JSON.parse(certs.stdout) as { ca: string; cert: string; key: string }
  tls = {
    ca: readFileSync(files.ca, 'utf8'),
    cert: readFileSync(files.cert, 'utf8'),
    key: readFileSync(files.key, 'utf8'),
  }
})

afterAll(() => {
  for (const s of servers) s.close()
  rmSync(dir, { recursive: true, force: true })
})

/** An https server answering 401 JSON (optionally with HSTS) on the given TLS settings. */
async function httpsServer(extra: ServerOptions, hsts: boolean): Promise<number> {
  const server = createHttpsServer({ cert: tls.cert, key: tls.key, ...extra }, (_req, res) => {
    if (hsts) res.setHeader('strict-transport-security', 'max-age=31536000')
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"missing_credentials"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return (server.address() as { port: number }).port
}

async function run(
  port: number,
  only: string[],
  profile: 'production' | 'development' = 'production',
): Promise<Report> {
  return await runConformance({
    api: `https://127.0.0.1:${port}`,
    ws: [`wss://127.0.0.1:${port}/v1/ws`],
    origin: 'https://127.0.0.1:5173',
    user: { username: 'alice', password: 'unused-password' },
    ca: tls.ca,
    only,
    profile,
  })
}

const verdicts = (r: Report) =>
  Object.fromEntries(r.cases.map((c) => [c.id, c.verdict === 'pass' ? 'pass' : `${c.verdict}: ${c.reason}`]))
const TLS_CASES = ['transport.tls-versions', 'transport.hsts', 'transport.no-plaintext']

describe('transport cases', () => {
  test('a TLS 1.2+ endpoint with HSTS that gives plaintext nothing passes', async () => {
    const port = await httpsServer({}, true)
    expect(verdicts(await run(port, TLS_CASES))).toEqual({
      'transport.tls-versions': 'pass',
      'transport.hsts': 'pass',
      'transport.no-plaintext': 'pass',
    })
  })

  test('an endpoint that still speaks TLS 1.0 and sends no HSTS fails both, naming them', async () => {
    const port = await httpsServer({ minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, false)
    const v = verdicts(await run(port, ['transport.tls-versions', 'transport.hsts']))
    expect(v['transport.tls-versions']).toBe(`fail: 127.0.0.1:${port} accepts TLSv1`)
    expect(v['transport.hsts']).toMatch(/^fail: api JWKS: no Strict-Transport-Security with a max-age \(401/)
  })

  test('a certificate the client cannot verify stops the run before any case, saying why', async () => {
    const port = await httpsServer({}, true)
    const pending = runConformance({
      api: `https://127.0.0.1:${port}`,
      ws: [`wss://127.0.0.1:${port}/v1/ws`],
      origin: 'https://127.0.0.1:5173',
      user: { username: 'alice', password: 'unused-password' },
      only: ['transport.tls-versions'],
    })
    await expect(pending).rejects.toThrow(
      `cannot reach https://127.0.0.1:${port}: UNABLE_TO_VERIFY_LEAF_SIGNATURE (a private CA? pass --ca)`,
    )
  })

  test('a port that speaks TLS and also answers plaintext HTTP fails transport.no-plaintext', async () => {
    // TLS ClientHellos (first byte 0x16) are relayed to a real https server; anything else gets a plaintext 200.
    const tlsPort = await httpsServer({}, true)
    const server = createNetServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        if (chunk[0] !== 0x16)
          return void socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi')
        const upstream = connect(tlsPort, '127.0.0.1', () => upstream.write(chunk))
        socket.pipe(upstream).pipe(socket)
        for (const s of [socket, upstream]) s.on('error', () => (socket.destroy(), upstream.destroy()))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
    const port = (server.address() as { port: number }).port
    const v = verdicts(await run(port, ['transport.no-plaintext']))
    expect(v['transport.no-plaintext']).toBe(`fail: 127.0.0.1:${port} answered plaintext HTTP with 200`)
  })

  test('tls-required: plaintext URLs fail in production and are skipped in development', async () => {
    const server = createNetServer((socket) =>
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n'),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
    const port = (server.address() as { port: number }).port
    const plain = {
      api: `http://127.0.0.1:${port}`,
      ws: [`ws://127.0.0.1:${port}/v1/ws`],
      origin: 'http://localhost:5173',
      user: { username: 'a', password: 'unused-password' },
      only: ['transport.tls-required'],
    }
    expect(verdicts(await runConformance(plain))).toEqual({
      'transport.tls-required': `fail: plaintext URLs in production: http://127.0.0.1:${port}, ws://127.0.0.1:${port}/v1/ws`,
    })
    expect(
      verdicts(await runConformance({ ...plain, profile: 'development' }))['transport.tls-required'],
    ).toMatch(/^skip: development profile/)
  })
})
