// `pnpm run generate`: rewrites every generated reference (configuration, .env.example files, AsyncAPI, OpenAPI,
// the protocol tables) from its source of truth. `--check` writes nothing and exits 1 listing stale files.
//
//   pnpm run generate            # write
//   pnpm run generate --check    # verify (what the stale test does)
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GENERATE_COMMAND, generatedFiles, REPO_ROOT } from './files.ts'

const check = process.argv.includes('--check')
const stale: string[] = []
for (const file of await generatedFiles()) {
  const path = join(REPO_ROOT, file.path)
  const current = existsSync(path) ? readFileSync(path, 'utf8') : null
  if (current === file.content) continue
  stale.push(file.path)
  if (!check) writeFileSync(path, file.content)
}
if (check && stale.length > 0) {
  console.error(`stale generated files (run \`${GENERATE_COMMAND}\`):\n  ${stale.join('\n  ')}`)
  process.exit(1)
}
console.warn(
  stale.length === 0 ? 'generate: every generated file is up to date' : `generate: wrote ${stale.join(', ')}`,
)
