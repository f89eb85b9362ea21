import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseClientMessage, parseServerMessage, type ParseResult } from '../src/index.ts'

const REASONS = new Set(['not_text', 'bad_json', 'not_object', 'unknown_type', 'schema'])

/** The only outcomes a parser may produce: a typed message, or a typed invalid_message error. */
function assertTyped(result: ParseResult<{ type: string }>): void {
  const typed = result.ok
    ? typeof result.message.type === 'string'
    : result.error.code === 'invalid_message' &&
      REASONS.has(result.error.reason) &&
      typeof result.error.message === 'string' &&
      (result.error.id === undefined || result.error.id.length > 0)
  expect(typed, JSON.stringify(result)).toBe(true)
}

const parsers = [parseClientMessage, parseServerMessage]
const runs = { numRuns: 2000 }

// Objects shaped like messages, so some generated values get past the type check into the schemas.
const messageLike = fc.record(
  {
    type: fc.constantFrom(
      'ping',
      'subscribe',
      'unsubscribe',
      'publish',
      'auth.refresh',
      'welcome',
      'error',
      '__proto__',
    ),
    id: fc.oneof(fc.string(), fc.integer()),
    channel: fc.oneof(fc.constantFrom('public:lobby', 'admin:ops', 'user:u1'), fc.string()),
    text: fc.string({ unit: 'grapheme', maxLength: 50 }),
    accessToken: fc.string(),
    code: fc.constantFrom('forbidden', 'rate_limited', 'x'),
    message: fc.string(),
    __proto__: fc.jsonValue(),
    constructor: fc.jsonValue(),
  },
  { requiredKeys: ['type'] },
)

describe('the parsers only ever return typed outcomes', () => {
  it('for arbitrary JSON text', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        for (const parse of parsers) assertTyped(parse(text))
      }),
      runs,
    )
  })

  it('for arbitrary strings (any code units, lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        for (const parse of parsers) assertTyped(parse(text))
      }),
      runs,
    )
  })

  it('for arbitrary byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        for (const parse of parsers) assertTyped(parse(bytes))
      }),
      runs,
    )
  })

  it('for message-shaped objects, and no prototype is polluted', () => {
    fc.assert(
      fc.property(messageLike, (value) => {
        for (const parse of parsers) assertTyped(parse(JSON.stringify(value)))
        expect(({} as Record<string, unknown>).type).toBeUndefined()
      }),
      runs,
    )
  })

  it('for arbitrary non-string values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        if (typeof value === 'string') return
        for (const parse of parsers) assertTyped(parse(value))
      }),
      { numRuns: 500 },
    )
  })
})
