import { randomBytes } from 'node:crypto'

export { freePort } from './ports.ts'
export { startRedisServer, type RedisServer } from './redis-server.ts'

// Type-only: what the global setup provides to every test (`inject('redisUrl')`).
declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the redis-server this test run owns (or REDIS_URL when set). */
    redisUrl: string
  }
}

/** A Redis key prefix no other test uses, so tests can share one redis-server. */
export function uniquePrefix(label = 't'): string {
  return `test:${label}:${randomBytes(6).toString('hex')}:`
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 5000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
