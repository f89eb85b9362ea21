// Rewrites the generated case catalogue in docs/security/conformance.md from the registry:
//   pnpm --filter @portcullis/conformance run docs
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderCatalog } from '../src/catalog.ts'
import { CASES } from '../src/registry.ts'

const file = fileURLToPath(new URL('../../../docs/security/conformance.md', import.meta.url))
const text = readFileSync(file, 'utf8')
const [start, end] = [
  '<!-- catalog:start (generated: pnpm --filter @portcullis/conformance run docs) -->',
  '<!-- catalog:end -->',
]
const from = text.indexOf(start)
const to = text.indexOf(end)
if (from < 0 || to < from) throw new Error(`${file}: catalog markers missing`)
writeFileSync(file, `${text.slice(0, from + start.length)}\n\n${renderCatalog(CASES)}\n${text.slice(to)}`)
process.stdout.write(`${file}: ${CASES.length} cases\n`)
