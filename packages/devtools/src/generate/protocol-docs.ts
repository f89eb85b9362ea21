/**
 * The protocol's generated documentation: docs/reference/asyncapi.yaml (the machine-readable contract),
 * docs/reference/websocket-messages.md (the same document rendered for people) and the generated tables inside
 * docs/reference/protocol.md (messages, close codes, error codes).
 */
import { readFileSync } from 'node:fs'
import {
  CLIENT_MESSAGE_SCHEMAS,
  CLOSE_CODE_LIST,
  ERROR_CODES,
  REPLY_TYPES,
  SERVER_MESSAGE_SCHEMAS,
} from '@portcullis/protocol'
import { stringify } from 'yaml'
import { asyncApiDocument, pushTypes } from './asyncapi.ts'
import type { GeneratedFile } from './files.ts'
import { banner, replaceBlock, table } from './markdown.ts'
import { fieldRows, type JsonSchema } from './schema-words.ts'

type ClientType = keyof typeof CLIENT_MESSAGE_SCHEMAS
type ServerType = keyof typeof SERVER_MESSAGE_SCHEMAS

const clientTypes = Object.keys(CLIENT_MESSAGE_SCHEMAS) as ClientType[]
const serverTypes = Object.keys(SERVER_MESSAGE_SCHEMAS) as ServerType[]
/** A schema's description without its direction prefix (`Client → server: `), which the tables already say. */
const meaning = (type: string) =>
  (schemaOf(type).description ?? '').replace(/^(Client|Server) → (server|client)( push)?: /, '')
const schemaOf = (type: string): JsonSchema =>
  ((CLIENT_MESSAGE_SCHEMAS as Record<string, unknown>)[type] ??
    (SERVER_MESSAGE_SCHEMAS as Record<string, unknown>)[type]) as JsonSchema

/** `id`, `channel`, `text?`: the top-level fields of a message except `type` (optional ones marked `?`). */
function fieldList(type: string): string {
  const schema = schemaOf(type)
  const required = new Set(schema.required ?? [])
  const names = Object.keys(schema.properties ?? {}).filter((n) => n !== 'type')
  return names.length === 0 ? '—' : names.map((n) => `\`${n}${required.has(n) ? '' : '?'}\``).join(', ')
}

function closeCodesTable(): string {
  return table(
    ['code', 'reason', 'when', 'client action'],
    CLOSE_CODE_LIST.map((c) => [
      String(c.code),
      c.reason ? `\`${c.reason}\`` : '(ws)',
      c.when,
      `\`${c.action}\``,
    ]),
  )
}

function errorCodesTable(): string {
  return table(
    ['code', 'meaning', 'client action'],
    Object.entries(ERROR_CODES).map(([code, e]) => [`\`${code}\``, e.description, e.clientAction]),
  )
}

function clientTable(): string {
  return table(
    ['type', 'fields', 'reply', 'meaning'],
    clientTypes.map((type) => [
      `\`${type}\``,
      fieldList(type),
      `\`${REPLY_TYPES[type]}\` or \`error\``,
      meaning(type),
    ]),
  )
}

function pushTable(): string {
  return table(
    ['type', 'fields', 'meaning'],
    pushTypes().map((type) => [`\`${type}\``, fieldList(type), meaning(type)]),
  )
}

function protocolMd(current: string): string {
  const file = 'docs/reference/protocol.md'
  let doc = replaceBlock(current, 'client-messages', clientTable(), file)
  doc = replaceBlock(doc, 'server-pushes', pushTable(), file)
  doc = replaceBlock(doc, 'close-codes', closeCodesTable(), file)
  return replaceBlock(doc, 'error-codes', errorCodesTable(), file)
}

function messageSection(direction: 'client' | 'server', type: string): string {
  const schema = schemaOf(type)
  const reply =
    direction === 'client'
      ? `\n\nReply: \`${REPLY_TYPES[type as ClientType]}\`, or \`error\` with the same \`id\`.`
      : ''
  return [
    `### \`${type}\``,
    '',
    `${schema.description ?? ''}${reply}`,
    '',
    table(
      ['field', 'required', 'type', 'meaning'],
      fieldRows(schema).map((f) => [`\`${f.path}\``, f.required ? 'yes' : 'no', f.type, f.description]),
    ),
    '',
  ].join('\n')
}

function messagesMd(): string {
  const doc = asyncApiDocument() as {
    info: { description: string }
    channels: { socket: { description: string } }
  }
  return [
    banner('the TypeBox schemas of packages/protocol', (l) => `<!-- ${l} -->`),
    '',
    '# WebSocket messages (AsyncAPI)',
    '',
    'Every message of the protocol, field by field, rendered from the AsyncAPI 3.1 document',
    '[`asyncapi.yaml`](asyncapi.yaml) — feed that file to AsyncAPI tooling (code generators, AsyncAPI Studio) to',
    'build a client in another language. The overview, channels and compatibility rules are in the',
    '[protocol reference](protocol.md).',
    '',
    doc.info.description,
    '',
    '## Endpoint `GET /v1/ws` and credentials',
    '',
    doc.channels.socket.description.replaceAll('\n## ', '\n### '),
    '',
    '## Client → server',
    '',
    ...clientTypes.map((t) => messageSection('client', t)),
    '## Server → client',
    '',
    ...serverTypes.map((t) => messageSection('server', t)),
  ].join('\n')
}

/** The generated protocol documents; `root` is the repository root (protocol.md is read and its blocks refreshed). */
export function protocolFiles(root: string): GeneratedFile[] {
  const protocolPath = 'docs/reference/protocol.md'
  return [
    {
      path: 'docs/reference/asyncapi.yaml',
      content: `${banner('the TypeBox schemas of packages/protocol', (l) => `# ${l}`)}\n${stringify(asyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false })}`,
    },
    { path: 'docs/reference/websocket-messages.md', content: messagesMd() },
    { path: protocolPath, content: protocolMd(readFileSync(`${root}/${protocolPath}`, 'utf8')) },
  ]
}
