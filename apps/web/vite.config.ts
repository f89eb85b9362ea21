import { defaultClientConditions, defineConfig } from 'vite'

// The `source` condition lets the demo use the workspace packages' TypeScript directly (no build step in
// dev); the defaults are spread back in so third-party packages still resolve their browser builds.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: {
    port: Number(process.env.WEB_PORT ?? 5173),
    strictPort: true,
  },
  build: { target: 'es2022', sourcemap: true },
})
