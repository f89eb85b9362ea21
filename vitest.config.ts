import { defineConfig } from 'vitest/config'

// One run over every package's own vitest.config.ts. `.ci/run` asks for a JSON report through
// VITEST_JSON_REPORT so it can print the `N passed, N failed` line.
const jsonReport = process.env.VITEST_JSON_REPORT

export default defineConfig({
  test: {
    projects: ['apps/*', 'packages/*'],
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
    coverage: {
      provider: 'v8',
      include: ['**/src/**/*.ts'],
      // Entry points run in child processes (server.ts, instrument.ts, bench CLIs) are measured by their own tests'
      // behaviour, not by in-process coverage; the demo's DOM code is proven in Chromium.
      exclude: [
        '**/server.ts',
        '**/instrument.ts',
        // Command entry points (pnpm dev, generate, release): their tests run them as child processes.
        'packages/devtools/src/**/main.ts',
        'packages/bench/**',
        'apps/web/src/**',
        'packages/testkit/**',
      ],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 90, functions: 90, branches: 80, statements: 90 },
    },
  },
})
