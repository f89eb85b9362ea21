// Writes one JSON Schema file per message (plus the two unions) into dist/schemas/, for services in other
// languages: `@portcullis/protocol/schemas/<type>.json`. Runs after tsc, from the compiled output.
import { mkdirSync, writeFileSync } from 'node:fs'

const dist = new URL('../dist/', import.meta.url)
const { CLIENT_MESSAGE_SCHEMAS, SERVER_MESSAGE_SCHEMAS, ClientMessageSchema, ServerMessageSchema } =
  await import(new URL('index.js', dist).href)
const out = new URL('schemas/', dist)
mkdirSync(out, { recursive: true })
const all: Record<string, unknown> = {
  ...CLIENT_MESSAGE_SCHEMAS,
  ...SERVER_MESSAGE_SCHEMAS,
  ClientMessage: ClientMessageSchema,
  ServerMessage: ServerMessageSchema,
}
for (const [name, schema] of Object.entries(all)) {
  const document = { $schema: 'https://json-schema.org/draft/2020-12/schema', ...(schema as object) }
  writeFileSync(new URL(`${name}.json`, out), `${JSON.stringify(document, null, 2)}\n`)
}
process.stdout.write(`emitted ${Object.keys(all).length} JSON Schemas into dist/schemas/\n`)
