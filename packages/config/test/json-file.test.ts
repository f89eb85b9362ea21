import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { ConfigError, readJsonFile } from '../src/index.ts'

const SECRET = 's3cr3t-D-VALUE-9f2c'

function file(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-json-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'keys.json')
  writeFileSync(path, content)
  return path
}

function failure(path: string): ConfigError {
  try {
    readJsonFile('SIGNING_KEYS_FILE', path)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('readJsonFile', () => {
  it('parses a JSON file', () => {
    expect(readJsonFile('X_FILE', file('[{"kid":"k1"}]'))).toEqual([{ kid: 'k1' }])
  })

  it.each([
    ['an unquoted value (V8 quotes the input around it)', `[{"kty":"EC","kid":"k1","d":${SECRET},"x":"a"}]`],
    ['a trailing comma after the secret', `[{"kty":"EC","d":"${SECRET}"},]`],
    ['a missing comma', `[{"kty":"EC","d":"${SECRET}" "x":"a"}]`],
    ['a cut-off file', `[{"kty":"EC","d":"${SECRET}`],
  ])('never echoes the content of a malformed file: %s', (_, content) => {
    const err = failure(file(content))
    expect(err.variable).toBe('SIGNING_KEYS_FILE')
    expect(err.message).toMatch(/^invalid environment: SIGNING_KEYS_FILE \(.+\) is not valid JSON/)
    expect(err.message).not.toContain('\n')
    // not the secret, nor any 4-character slice of it
    for (let i = 0; i + 4 <= SECRET.length; i++) expect(err.message).not.toContain(SECRET.slice(i, i + 4))
  })

  it('says where, when JSON.parse knows', () => {
    expect(failure(file('[\n  {"a": 1 "b": 2}\n]')).message).toMatch(
      / at line 2 column 11 \(content not shown\)$/,
    )
  })

  it('names the errno code of an unreadable file', () => {
    expect(failure('/nonexistent/keys.json').message).toBe(
      'invalid environment: SIGNING_KEYS_FILE (/nonexistent/keys.json) cannot be read (ENOENT)',
    )
  })
})
