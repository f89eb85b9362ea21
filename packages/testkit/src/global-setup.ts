import type { TestProject } from 'vitest/node'
import { startRedisServer } from './index.ts'

/**
 * Vitest global setup: starts one redis-server for the test project, or uses `REDIS_URL` when set,
 * and stops exactly the process it started. Tests read the URL with `inject('redisUrl')` and isolate
 * themselves with a unique key prefix (`uniquePrefix()`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.REDIS_URL
  if (external) {
    project.provide('redisUrl', external)
    return async () => {}
  }
  const server = await startRedisServer()
  project.provide('redisUrl', server.url)
  return () => server.stop()
}
