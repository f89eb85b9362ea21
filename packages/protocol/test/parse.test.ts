import { describe, expect, it } from 'vitest'
import {
  CLIENT_MESSAGE_SCHEMAS,
  ClientMessageSchema,
  ServerMessageSchema,
  SERVER_MESSAGE_SCHEMAS,
  parseClientMessage,
  parseServerMessage,
} from '../src/index.ts'
import { invalidClient, invalidServer, validClient, validServer } from './fixtures.ts'

describe('fixtures cover every message type', () => {
  it('client and server', () => {
    for (const fixtures of [validClient, invalidClient])
      expect(Object.keys(fixtures).toSorted()).toEqual(Object.keys(CLIENT_MESSAGE_SCHEMAS).toSorted())
    for (const fixtures of [validServer, invalidServer])
      expect(Object.keys(fixtures).toSorted()).toEqual(Object.keys(SERVER_MESSAGE_SCHEMAS).toSorted())
  })
})

it('the unions hold exactly the schemas of the lookup tables', () => {
  expect(ClientMessageSchema.anyOf).toEqual(Object.values(CLIENT_MESSAGE_SCHEMAS))
  expect(ServerMessageSchema.anyOf).toEqual(Object.values(SERVER_MESSAGE_SCHEMAS))
})

describe('parseClientMessage', () => {
  for (const [type, messages] of Object.entries(validClient)) {
    it(`accepts valid ${type}`, () => {
      for (const message of messages) {
        const result = parseClientMessage(JSON.stringify(message))
        expect(result).toEqual({ ok: true, message })
      }
    })
  }
  for (const [type, messages] of Object.entries(invalidClient)) {
    it(`rejects invalid ${type} with a schema error that echoes the id`, () => {
      for (const message of messages) {
        const id = (message as { id?: unknown }).id
        const echoed = typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined
        const result = parseClientMessage(JSON.stringify(message))
        expect(result, JSON.stringify(message)).toMatchObject({
          ok: false,
          error: { code: 'invalid_message', reason: 'schema' },
        })
        expect(result.ok ? 'parsed' : result.error.id).toBe(echoed)
      }
    })
  }

  it('accepts bytes that are UTF-8, and rejects bytes that are not', () => {
    expect(parseClientMessage(Buffer.from('{"type":"ping","id":"b"}')).ok).toBe(true)
    expect(parseClientMessage([Buffer.from('{"type":"ping",'), Buffer.from('"id":"b"}')]).ok).toBe(true)
    expect(parseClientMessage(new TextEncoder().encode('{"type":"ping","id":"b"}').buffer).ok).toBe(true)
    const bad = parseClientMessage(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))
    expect(bad).toMatchObject({ ok: false, error: { reason: 'not_text' } })
  })

  it.each([
    ['not json', '{"type":', 'bad_json'],
    ['an array', '[{"type":"ping","id":"1"}]', 'not_object'],
    ['null', 'null', 'not_object'],
    ['a string', '"ping"', 'not_object'],
    ['no type', '{"id":"1"}', 'unknown_type'],
    ['an unknown type', '{"type":"pong","id":"1"}', 'unknown_type'],
    ['a numeric type', '{"type":1,"id":"1"}', 'unknown_type'],
    ['type __proto__', '{"type":"__proto__","id":"1"}', 'unknown_type'],
    ['type constructor', '{"type":"constructor","id":"1"}', 'unknown_type'],
    ['type toString', '{"type":"toString","id":"1"}', 'unknown_type'],
    ['a number', '42', 'not_object'],
    ['an object of another kind', {}, 'not_text'],
  ])('rejects %s', (_label, raw, reason) => {
    expect(parseClientMessage(raw)).toMatchObject({ ok: false, error: { code: 'invalid_message', reason } })
  })

  it('echoes the id of an unknown type so the error reply can carry it', () => {
    expect(parseClientMessage('{"type":"nope","id":"req-7"}')).toMatchObject({
      ok: false,
      error: { id: 'req-7' },
    })
  })

  it('rejects __proto__ and constructor keys without polluting any prototype', () => {
    for (const raw of [
      '{"type":"ping","id":"1","__proto__":{"polluted":true}}',
      '{"type":"subscribe","id":"1","channel":"public:a","constructor":{"prototype":{"polluted":true}}}',
      '{"type":"welcome","__proto__":{"polluted":true}}',
    ]) {
      expect(parseClientMessage(raw)).toMatchObject({ ok: false })
      expect(parseServerMessage(raw)).toMatchObject({ ok: false })
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('error messages never echo field values', () => {
    const result = parseClientMessage(
      '{"type":"publish","id":"1","channel":"public:SECRET-VALUE","text":"x"}',
    )
    expect(result.ok).toBe(false)
    expect(JSON.stringify(result)).not.toContain('SECRET-VALUE')
  })
})

describe('parseServerMessage', () => {
  for (const [type, messages] of Object.entries(validServer)) {
    it(`accepts valid ${type}`, () => {
      for (const message of messages)
        expect(parseServerMessage(JSON.stringify(message))).toEqual({ ok: true, message })
    })
  }
  for (const [type, messages] of Object.entries(invalidServer)) {
    it(`rejects invalid ${type}`, () => {
      for (const message of messages)
        expect(parseServerMessage(JSON.stringify(message)).ok, JSON.stringify(message)).toBe(false)
    })
  }
  it('does not accept client messages as server messages', () => {
    expect(parseServerMessage('{"type":"ping","id":"1"}').ok).toBe(false)
  })
})
