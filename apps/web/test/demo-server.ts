import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const APP_ROOT = fileURLToPath(new URL('..', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
}

/** The built demo served over HTTP on a free port, reachable under two origins (localhost and 127.0.0.1). */
export interface DemoServer {
  readonly port: number
  /** `http://localhost:<port>`: the origin the stack allows. */
  readonly origin: string
  /** `http://127.0.0.1:<port>`: the same page from an origin the stack does not allow. */
  readonly otherOrigin: string
  /** Builds the demo for this stack (Vite, production mode) into the served folder. */
  build(urls: {
    apiUrl: string
    realtimeUrl: string
    oidc?: { issuer: string; clientId: string }
  }): Promise<void>
  close(): Promise<void>
}

/** Starts the static server first (its port is the allowed origin), then `build()` once the stack runs. */
export async function startDemoServer(): Promise<DemoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-web-'))
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const file = normalize(join(dir, path === '/' ? 'index.html' : path))
    if (!file.startsWith(dir)) return void res.writeHead(404).end()
    readFile(file).then(
      (body) =>
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    )
  })
  // No host: dual-stack, so `localhost` works whether Chromium picks ::1 or 127.0.0.1.
  await new Promise<void>((resolve) => server.listen(0, resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const port = address.port
  return {
    port,
    origin: `http://localhost:${port}`,
    otherOrigin: `http://127.0.0.1:${port}`,
    async build(urls) {
      // Vite exposes VITE_* variables from process.env (each test file runs in its own process).
      process.env.VITE_API_URL = urls.apiUrl
      process.env.VITE_REALTIME_URL = urls.realtimeUrl
      if (urls.oidc) {
        process.env.VITE_OIDC_ISSUER = urls.oidc.issuer
        process.env.VITE_OIDC_CLIENT_ID = urls.oidc.clientId
      } else {
        delete process.env.VITE_OIDC_ISSUER
        delete process.env.VITE_OIDC_CLIENT_ID
      }
      await build({
        root: APP_ROOT,
        configFile: join(APP_ROOT, 'vite.config.ts'),
        logLevel: 'warn',
        build: { outDir: dir, emptyOutDir: true, sourcemap: false },
      })
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
