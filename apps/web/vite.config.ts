import { fileURLToPath } from 'node:url'
import { defaultClientConditions, defineConfig, loadEnv, type Plugin } from 'vite'
import { DEFAULT_API_URL, DEFAULT_REALTIME_URL } from './src/defaults.ts'

const root = fileURLToPath(new URL('.', import.meta.url))

function origin(url: string): string {
  const parsed = new URL(url)
  return `${parsed.protocol}//${parsed.host}`
}

/**
 * A Content-Security-Policy for the demo page: scripts and styles only from the page's own origin (no inline
 * code, so even markup that slipped into the DOM could not run), network only to the configured api and
 * realtime server. Defence in depth: the demo already renders server data as text only.
 */
function contentSecurityPolicy(apiUrl: string, realtimeUrl: string): Plugin {
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${origin(apiUrl)} ${origin(realtimeUrl)}`,
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

export default defineConfig(({ mode }) => {
  // VITE_* from the environment (or .env files): the same values `import.meta.env` gives the app.
  const env = loadEnv(mode, root, 'VITE_')
  return {
    // The `source` condition lets the demo use the workspace packages' TypeScript directly (no build step in
    // dev); the defaults are spread back in so third-party packages still resolve their browser builds.
    resolve: { conditions: ['source', ...defaultClientConditions] },
    plugins: [
      contentSecurityPolicy(
        env.VITE_API_URL ?? DEFAULT_API_URL,
        env.VITE_REALTIME_URL ?? DEFAULT_REALTIME_URL,
      ),
    ],
    server: {
      port: Number(process.env.WEB_PORT ?? 5173),
      strictPort: true,
    },
    build: { target: 'es2022', sourcemap: true },
  }
})
