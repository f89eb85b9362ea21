import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Parser } from '@asyncapi/parser'
import {
  CLIENT_MESSAGE_SCHEMAS,
  CLOSE_CODE_LIST,
  ERROR_CODE_NAMES,
  SERVER_MESSAGE_SCHEMAS,
} from '@portcullis/protocol'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../src/generate/files.ts'

// The committed AsyncAPI document, read by the official AsyncAPI parser (the one AsyncAPI's own tools use).
const text = readFileSync(join(REPO_ROOT, 'docs/reference/asyncapi.yaml'), 'utf8')
const { document, diagnostics } = await new Parser().parse(text)

describe('docs/reference/asyncapi.yaml', () => {
  it('is a valid AsyncAPI 3 document without errors or warnings', () => {
    // No diagnostic at all: no error, no warning, not even an informational hint.
    expect(diagnostics.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([])
    expect(document?.version()).toBe('3.1.0')
  })

  it('carries every message of the protocol, with its payload schema', () => {
    const names = document!
      .allMessages()
      .all()
      .map((m) => m.name())
    expect(names.toSorted()).toEqual(
      [...Object.keys(CLIENT_MESSAGE_SCHEMAS), ...Object.keys(SERVER_MESSAGE_SCHEMAS)].toSorted(),
    )
    const publish = document!
      .allMessages()
      .all()
      .find((m) => m.name() === 'publish')
    expect(publish?.payload()?.required()).toEqual(['type', 'id', 'channel', 'text'])
    expect(publish?.payload()?.additionalProperties()).toBe(false)
  })

  it('has the endpoint, a reply for every request and the credential forms', () => {
    expect(
      document!
        .channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(['/v1/ws'])
    const receives = document!.operations().filterByReceive()
    expect(receives).toHaveLength(Object.keys(CLIENT_MESSAGE_SCHEMAS).length)
    for (const op of receives) expect(op.reply()?.messages().all().length).toBeGreaterThanOrEqual(2)
    const schemes = document!
      .components()
      .securitySchemes()
      .all()
      .map((s) => s.type())
    expect(schemes.toSorted()).toEqual(['http', 'httpApiKey', 'httpApiKey', 'httpApiKey'])
  })

  it('lists every close code and error code', () => {
    const json = document!.json() as Record<string, unknown>
    expect((json['x-close-codes'] as unknown[]).length).toBe(CLOSE_CODE_LIST.length)
    expect((json['x-error-codes'] as Array<{ code: string }>).map((e) => e.code)).toEqual(ERROR_CODE_NAMES)
  })
})
