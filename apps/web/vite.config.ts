import { readFileSync } from 'node:fs'
import { defaultClientConditions, defineConfig } from 'vite'

// `pnpm dev:tls` (scripts/dev-tls.ts) sets TLS_CERT_FILE/TLS_KEY_FILE for the whole stack: the dev server then
// serves the demo over https too, so the page, the api and the WebSocket are all on TLS.
const tlsCert = process.env.TLS_CERT_FILE
const tlsKey = process.env.TLS_KEY_FILE
const https = tlsCert && tlsKey ? { cert: readFileSync(tlsCert), key: readFileSync(tlsKey) } : undefined

// The `source` condition lets the demo use the workspace packages' TypeScript directly (no build step in
// dev); the defaults are spread back in so third-party packages still resolve their browser builds.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: {
    port: Number(process.env.WEB_PORT ?? 5173),
    strictPort: true,
    ...(https ? { https } : {}),
  },
  build: { target: 'es2022', sourcemap: true },
})
