import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GENERATE_COMMAND, generatedFiles, REPO_ROOT } from '../src/generate/files.ts'

// Every generated reference is committed; this fails as soon as its source of truth moves on without it.
const files = await generatedFiles()

describe('generated files are up to date', () => {
  it.each(files.map((f) => [f.path, f] as const))('%s', (path, file) => {
    const full = join(REPO_ROOT, path)
    const current = existsSync(full) ? readFileSync(full, 'utf8') : '(missing)'
    expect(
      current === file.content,
      `${path} is stale: run \`${GENERATE_COMMAND}\` and commit the result`,
    ).toBe(true)
  })

  it('covers the references the issue tracker and docs promise', () => {
    expect(files.map((f) => f.path).toSorted()).toEqual([
      'apps/api/.env.example',
      'apps/realtime/.env.example',
      'apps/web/.env.example',
      'docs/reference/asyncapi.yaml',
      'docs/reference/configuration.md',
      'docs/reference/openapi.yaml',
      'docs/reference/protocol.md',
      'docs/reference/websocket-messages.md',
    ])
  })
})
