import { defineConfig } from 'vitest/config'

// One run over every package's own vitest.config.ts. `.ci/run` asks for a JSON report through
// VITEST_JSON_REPORT so it can print the `N passed, N failed` line.
const jsonReport = process.env.VITEST_JSON_REPORT

export default defineConfig({
  test: {
    projects: ['apps/*', 'packages/*'],
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
  },
})
