/**
 * `node src/heap-summary.ts <after.heapsnapshot> [<before.heapsnapshot> [connections]]` — V8 heap by
 * constructor (self size and count); with a `before` snapshot, the growth between them, and with `connections`,
 * the growth per connection: what each idle connection holds. Snapshots come from the bench probe
 * (`{ probe: 'heapsnapshot', path }`, see probe.ts).
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

/** Bytes and count per `type:name` (strings, numbers and code grouped by type alone). */
export type HeapTable = Map<string, { bytes: number; count: number }>

const BY_TYPE = new Set([
  'string',
  'concatenated string',
  'sliced string',
  'number',
  'code',
  'bigint',
  'symbol',
])

/** Aggregates a parsed snapshot. */
export function tabulate(s: Snapshot): HeapTable {
  const fields = s.snapshot.meta.node_fields
  const types = s.snapshot.meta.node_types[0]
  const width = fields.length
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ]
  const table: HeapTable = new Map()
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType] as number] ?? '?'
    const key = BY_TYPE.has(type) ? `(${type})` : `${type}:${s.strings[s.nodes[i + iName] as number] ?? '?'}`
    const entry = table.get(key) ?? { bytes: 0, count: 0 }
    entry.bytes += s.nodes[i + iSize] as number
    entry.count += 1
    table.set(key, entry)
  }
  return table
}

/** `after − before` per key, largest growth first. */
export function diff(after: HeapTable, before: HeapTable): Array<[string, { bytes: number; count: number }]> {
  const out = new Map<string, { bytes: number; count: number }>()
  for (const [k, a] of after) {
    const b = before.get(k) ?? { bytes: 0, count: 0 }
    out.set(k, { bytes: a.bytes - b.bytes, count: a.count - b.count })
  }
  return [...out].toSorted((x, y) => y[1].bytes - x[1].bytes)
}

async function load(path: string): Promise<HeapTable> {
  return tabulate(JSON.parse(await readFile(path, 'utf8')) as Snapshot)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Piped into `head`: a closed stdout is the reader's choice, not an error.
  process.stdout.on('error', () => process.exit(0))
  const [afterPath, beforePath, perArg] = process.argv.slice(2)
  if (!afterPath) {
    console.error(
      'usage: node src/heap-summary.ts <after.heapsnapshot> [<before.heapsnapshot> [connections]]',
    )
    process.exit(2)
  }
  const after = await load(afterPath)
  const rows = beforePath ? diff(after, await load(beforePath)) : diff(after, new Map())
  const per = Number(perArg ?? 1)
  const total = rows.reduce((sum, [, v]) => sum + v.bytes, 0)
  process.stdout.write(`total ${(total / per).toFixed(0)} bytes${per > 1 ? ' per connection' : ''}\n`)
  for (const [key, v] of rows.slice(0, 40)) {
    const bytes = (v.bytes / per).toFixed(per > 1 ? 1 : 0).padStart(10)
    const count = (v.count / per).toFixed(per > 1 ? 2 : 0).padStart(8)
    process.stdout.write(`${bytes} B ${count} ×  ${key}\n`)
  }
}
