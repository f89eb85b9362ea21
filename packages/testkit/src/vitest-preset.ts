import { fileURLToPath } from 'node:url'
import { configDefaults, defineProject, type UserWorkspaceConfig } from 'vitest/config'

const globalSetup = fileURLToPath(new URL('./global-setup.ts', import.meta.url))

/**
 * The vitest project config every package uses: sources through the `source` export condition,
 * a redis-server per project (global setup), generous timeouts for real sockets on 2 cores.
 * @example export default portcullisProject('api')
 */
export function portcullisProject(
  name: string,
  overrides: UserWorkspaceConfig['test'] = {},
): UserWorkspaceConfig {
  return defineProject({
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      exclude: [...configDefaults.exclude],
      globalSetup: [globalSetup],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      ...overrides,
    },
  })
}
