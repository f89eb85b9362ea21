import { Compile } from 'typebox/compile'
import type { TSchema } from 'typebox'
import { MAX_ID_LENGTH, MAX_TEXT_CODE_POINTS } from './limits.ts'
import {
  CLIENT_MESSAGE_SCHEMAS,
  SERVER_MESSAGE_SCHEMAS,
  type ClientMessage,
  type ServerMessage,
} from './messages/index.ts'

/** Why a frame was rejected. All of them map to the `invalid_message` error code. */
export type ParseFailure =
  | 'not_text' // bytes that are not valid UTF-8
  | 'bad_json' // not parseable as JSON
  | 'not_object' // JSON, but not an object
  | 'unknown_type' // `type` missing, not a string, or not a known message type
  | 'schema' // known type, but a field is missing, extra, or out of range

/** A rejected frame: never thrown, always returned. */
export interface ParseError {
  readonly code: 'invalid_message'
  readonly reason: ParseFailure
  /** Human-readable detail, safe to send back (never echoes field values). */
  readonly message: string
  /** The frame's `id`, when it was a valid id, so the error reply can echo it. */
  readonly id?: string
}

export type ParseResult<T> =
  { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: ParseError }

type Checker = {
  Check(value: unknown): boolean
  Errors(value: unknown): Iterable<{ instancePath: string; message: string }>
}

function compileAll(schemas: Record<string, TSchema>): Map<string, Checker> {
  const map = new Map<string, Checker>()
  for (const [type, schema] of Object.entries(schemas)) map.set(type, Compile(schema) as unknown as Checker)
  return map
}

// Compiled lazily on first use, then reused: importing the package stays cheap.
let clientCheckers: Map<string, Checker> | undefined
let serverCheckers: Map<string, Checker> | undefined

const utf8 = new TextDecoder('utf-8', { fatal: true })

function fail(reason: ParseFailure, message: string, id?: string): { ok: false; error: ParseError } {
  return {
    ok: false,
    error:
      id === undefined
        ? { code: 'invalid_message', reason, message }
        : { code: 'invalid_message', reason, message, id },
  }
}

function codePoints(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

function toText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw
  try {
    if (raw instanceof ArrayBuffer) return utf8.decode(new Uint8Array(raw))
    if (ArrayBuffer.isView(raw))
      return utf8.decode(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength))
    if (Array.isArray(raw) && raw.every((part) => ArrayBuffer.isView(part))) {
      const parts = raw as ArrayBufferView[]
      const total = parts.reduce((sum, part) => sum + part.byteLength, 0)
      const joined = new Uint8Array(total)
      let offset = 0
      for (const part of parts) {
        joined.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), offset)
        offset += part.byteLength
      }
      return utf8.decode(joined)
    }
  } catch {
    return undefined
  }
  return undefined
}

function parseWith<T>(raw: unknown, checkers: Map<string, Checker>): ParseResult<T> {
  const text = toText(raw)
  if (text === undefined) return fail('not_text', 'frame is not UTF-8 text')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return fail('bad_json', 'frame is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('not_object', 'message must be a JSON object')
  }
  // JSON.parse makes `__proto__` an own data property (no pollution); the closed schemas then reject it
  // like any unknown field, because every object in the protocol has additionalProperties: false.
  const record = value as Record<string, unknown>
  const id =
    typeof record.id === 'string' && record.id.length >= 1 && record.id.length <= MAX_ID_LENGTH
      ? record.id
      : undefined
  const type = record.type
  // A Map lookup: `type: "__proto__"` or `"constructor"` finds nothing, unlike an object index.
  const checker = typeof type === 'string' ? checkers.get(type) : undefined
  if (checker === undefined) return fail('unknown_type', 'unknown or missing message type', id)
  if (!checker.Check(value)) {
    const first = [...checker.Errors(value)][0]
    const where = first?.instancePath ? ` at ${first.instancePath}` : ''
    return fail('schema', `invalid ${type} message${where}: ${first?.message ?? 'schema mismatch'}`, id)
  }
  if (typeof record.text === 'string' && codePoints(record.text) > MAX_TEXT_CODE_POINTS) {
    return fail(
      'schema',
      `invalid ${type} message at /text: longer than ${MAX_TEXT_CODE_POINTS} code points`,
      id,
    )
  }
  return { ok: true, message: value as T }
}

/**
 * Parses one client frame (text, or bytes that must be UTF-8) into a typed `ClientMessage`.
 * Never throws: any bad input returns `{ ok: false, error }` with code `invalid_message`.
 * @example
 * const result = parseClientMessage(data)
 * if (!result.ok) return reply({ type: 'error', id: result.error.id, code: result.error.code, message: result.error.message })
 */
export function parseClientMessage(raw: unknown): ParseResult<ClientMessage> {
  clientCheckers ??= compileAll(CLIENT_MESSAGE_SCHEMAS)
  return parseWith<ClientMessage>(raw, clientCheckers)
}

/**
 * Parses one server frame into a typed `ServerMessage` (what SDKs and other services use).
 * Never throws: any bad input returns `{ ok: false, error }`.
 */
export function parseServerMessage(raw: unknown): ParseResult<ServerMessage> {
  serverCheckers ??= compileAll(SERVER_MESSAGE_SCHEMAS)
  return parseWith<ServerMessage>(raw, serverCheckers)
}
