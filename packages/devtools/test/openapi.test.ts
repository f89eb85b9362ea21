import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { REPO_ROOT } from '../src/generate/files.ts'

// The committed OpenAPI document, validated against the OpenAPI Initiative's published JSON Schema for its version.
const document = parse(readFileSync(join(REPO_ROOT, 'docs/reference/openapi.yaml'), 'utf8')) as {
  openapi: string
  paths: Record<string, Record<string, unknown>>
}

describe('docs/reference/openapi.yaml', () => {
  it('validates against the official OpenAPI 3.1 schema', async () => {
    const validator = new Validator()
    const result = await validator.validate(document)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  it('documents every route of the api', () => {
    const routes = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    )
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /v1/auth/login',
        'POST /v1/auth/refresh',
        'POST /v1/auth/logout',
        'POST /v1/auth/ws-ticket',
        'GET /.well-known/jwks.json',
        'PUT /v1/admin/users/{userId}/roles',
        'GET /v1/admin/users',
        'GET /v1/admin/sessions',
        'DELETE /v1/admin/sessions/{sessionId}',
        'DELETE /v1/admin/users/{userId}/sessions',
      ]),
    )
  })

  it('every route is in the route table of docs/reference/http-api.md', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/reference/http-api.md'), 'utf8')
    const table = doc.split('## Routes')[1]?.split('\n## ')[0] ?? ''
    const missing = Object.entries(document.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .map((route) => `\`${route.replace(/\{(\w+)\}/g, ':$1')}`)
      .filter((route) => !table.includes(route))
    expect(missing).toEqual([])
  })
})
