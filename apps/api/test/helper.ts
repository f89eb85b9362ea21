import { Writable } from 'node:stream'
import type { Env } from '@portcullis/config'
import { uniquePrefix } from '@portcullis/testkit'
import type { FastifyInstance } from 'fastify'
import { inject, onTestFinished } from 'vitest'
import { buildApp, type AppDeps } from '../src/app.ts'
import { loadApiConfig, type ApiConfig } from '../src/config.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by @portcullis/testkit's global setup (same declaration as there). */
    redisUrl: string
  }
}

/** URL of the redis-server the test project owns. */
export const redisUrl = (): string => inject('redisUrl')

/** A test config: the project's redis-server, a unique key prefix, cheap argon2. */
export function testConfig(env: Env = {}): ApiConfig {
  return loadApiConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: uniquePrefix('api'),
    ...env,
  })
}

/** Captured log output: every line the app wrote. */
export interface LogCapture {
  text(): string
  lines(): Array<Record<string, unknown>>
}

/** Builds the app against real Redis, captures its logs, closes it when the test ends. */
export async function buildTestApp(
  env: Env = {},
  deps: AppDeps = {},
): Promise<{ app: FastifyInstance; config: ApiConfig; logs: LogCapture }> {
  const config = testConfig(env)
  let text = ''
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString()
      done()
    },
  })
  const app = await buildApp(config, { logStream, ...deps })
  onTestFinished(() => app.close())
  await app.ready()
  const logs: LogCapture = {
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
  return { app, config, logs }
}
