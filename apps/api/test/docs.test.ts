import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ApiEnvSchema } from '../src/config.ts'
import { WIRE_CODES, wireCodeForStatus } from '../src/errors.ts'
import { API_SECURITY_EVENTS } from '../src/security-events.ts'

const doc = (name: string): string =>
  readFileSync(new URL(`../../../docs/reference/${name}`, import.meta.url), 'utf8')

/** Codes in the first column of the error table of http-api.md. */
function documentedCodes(): string[] {
  const section = doc('http-api.md').split('## Errors')[1]?.split('\n## ')[0] ?? ''
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!)
}

describe('docs stay in step with the code', () => {
  it('every wire error code is documented, and nothing else', () => {
    const codes = new Set([
      ...Object.values(WIRE_CODES),
      ...[400, 401, 403, 404, 413, 415, 429, 500, 503].map(wireCodeForStatus),
    ])
    expect(documentedCodes().toSorted()).toEqual([...codes].toSorted())
  })

  it('every api environment variable is in the configuration reference', () => {
    const text = doc('configuration.md')
    const missing = Object.keys(ApiEnvSchema.properties).filter((name) => !text.includes(`| \`${name}\``))
    expect(missing).toEqual([])
  })

  it('every api security event is in the security-events reference', () => {
    const text = doc('security-events.md').split('## api')[1]?.split('\n## ')[0] ?? ''
    const missing = API_SECURITY_EVENTS.filter((name) => !text.includes(`\`${name}\``))
    expect(missing).toEqual([])
  })
})
