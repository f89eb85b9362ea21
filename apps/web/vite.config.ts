import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defaultClientConditions, defineConfig, loadEnv, type Plugin } from 'vite'
import { readWebEnv } from './env.ts'

const root = fileURLToPath(new URL('.', import.meta.url))

function origin(url: string): string {
  const parsed = new URL(url)
  return `${parsed.protocol}//${parsed.host}`
}

/**
 * A Content-Security-Policy for the demo page: scripts and styles only from the page's own origin (no inline
 * code, so even markup that slipped into the DOM could not run), network only to the configured api, realtime
 * server and identity provider. Defence in depth: the demo already renders server data as text only.
 */
function contentSecurityPolicy(apiUrl: string, realtimeUrl: string, oidcIssuer?: string): Plugin {
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    // The identity provider's discovery and token endpoints are fetched by the page (authorization code + PKCE).
    `connect-src 'self' ${origin(apiUrl)} ${origin(realtimeUrl)}${oidcIssuer ? ` ${origin(oidcIssuer)}` : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
  return {
    name: 'portcullis-csp',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: policy },
        injectTo: 'head-prepend',
      },
    ],
  }
}

function ready(_req: unknown, res: { setHeader(k: string, v: string): void; end(body: string): void }): void {
  res.setHeader('content-type', 'application/json')
  res.end('{"status":"ready"}')
}

/** `GET /readyz` on the dev and preview servers: `pnpm dev` waits for it before printing its ready banner. */
function readiness(): Plugin {
  return {
    name: 'portcullis-readyz',
    configureServer: (server) => void server.middlewares.use('/readyz', ready),
    configurePreviewServer: (server) => void server.middlewares.use('/readyz', ready),
  }
}

export default defineConfig(({ mode }) => {
  // The environment and `.env` files (Vite's loader), validated like the apps' (one line naming a bad variable).
  // VITE_* values are what `import.meta.env` gives the page.
  const env = readWebEnv(loadEnv(mode, root, ''))
  const https =
    env.TLS_CERT_FILE && env.TLS_KEY_FILE
      ? { cert: readFileSync(env.TLS_CERT_FILE), key: readFileSync(env.TLS_KEY_FILE) }
      : undefined
  return {
    // The `source` condition lets the demo use the workspace packages' TypeScript directly (no build step in
    // dev); the defaults are spread back in so third-party packages still resolve their browser builds.
    resolve: { conditions: ['source', ...defaultClientConditions] },
    plugins: [
      contentSecurityPolicy(env.VITE_API_URL, env.VITE_REALTIME_URL, env.VITE_OIDC_ISSUER),
      readiness(),
    ],
    server: { host: env.WEB_HOST, port: env.WEB_PORT, strictPort: true, ...(https ? { https } : {}) },
    preview: { host: env.WEB_HOST, ...(https ? { https } : {}) },
    build: { target: 'es2022', sourcemap: true },
  }
})
