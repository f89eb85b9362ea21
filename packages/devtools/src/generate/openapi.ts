/**
 * docs/reference/openapi.yaml: the api's OpenAPI 3.1 document exactly as `@fastify/swagger` builds it from the
 * route schemas (what `GET /docs/json` serves in development). The app is built with a memory session store, an
 * unconnected Redis client and throwaway development keys: nothing listens and nothing is contacted.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, loadApiConfig } from '@portcullis/api'
import { MemorySessionStore } from '@portcullis/sessions/memory'
import { createRedisClient, redisConnection } from '@portcullis/sessions/redis'
import { stringify } from 'yaml'
import type { GeneratedFile } from './files.ts'
import { banner } from './markdown.ts'

/** The OpenAPI document of the api (as served at `/docs/json`). */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const keysDir = mkdtempSync(join(tmpdir(), 'portcullis-openapi-'))
  try {
    const config = loadApiConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', DEV_KEYS_DIR: keysDir })
    const app = await buildApp(config, {
      store: new MemorySessionStore(),
      redis: redisConnection(createRedisClient(config.REDIS_URL)),
    })
    try {
      await app.ready()
      return app.swagger() as unknown as Record<string, unknown>
    } finally {
      await app.close()
    }
  } finally {
    rmSync(keysDir, { recursive: true, force: true })
  }
}

/** The generated OpenAPI file. */
export async function openApiFiles(): Promise<GeneratedFile[]> {
  const document = await openApiDocument()
  return [
    {
      path: 'docs/reference/openapi.yaml',
      content: `${banner('the route schemas of apps/api (@fastify/swagger)', (l) => `# ${l}`)}\n${stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })}`,
    },
  ]
}
