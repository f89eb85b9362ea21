import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it } from 'vitest'

// Another service installs the published tarball with plain npm and imports it with plain Node
// (no `source` condition, no TypeScript). Offline: typebox is packed from the local store too.
const pkgDir = fileURLToPath(new URL('..', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'portcullis-pack-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  })
}

it('the packed tarball installs outside the workspace and imports with plain Node', () => {
  if (!existsSync(join(pkgDir, 'dist/index.js'))) run('pnpm', ['run', 'build'], pkgDir)
  const tarballs = join(work, 'tarballs')
  run('pnpm', ['pack', '--pack-destination', tarballs], pkgDir)
  const typeboxDir = dirname(realpathSync(join(pkgDir, 'node_modules/typebox/package.json')))
  // An npm tarball is a gzipped tar of the package folder under `package/`; pnpm's store hard-links files,
  // and npm drops hard-link entries on extraction, so dereference them.
  run(
    'tar',
    [
      '--hard-dereference',
      '-czf',
      join(tarballs, 'typebox.tgz'),
      '--transform',
      's,^\\.,package,',
      '-C',
      typeboxDir,
      '.',
    ],
    work,
  )
  const files = readdirSync(tarballs).map((f) => join(tarballs, f))
  expect(files.some((f) => f.includes('portcullis-protocol-'))).toBe(true)

  const service = join(work, 'service')
  run('mkdir', ['-p', service], work)
  writeFileSync(
    join(service, 'package.json'),
    JSON.stringify({ name: 'other-service', private: true, type: 'module' }),
  )
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...files], service)
  writeFileSync(
    join(service, 'main.js'),
    [
      "import { parseClientMessage, CLOSE_CODES, PROTOCOL_VERSION } from '@portcullis/protocol'",
      "import { ERROR_CODES } from '@portcullis/protocol/error-codes'",
      "import { createRequire } from 'node:module'",
      'const require = createRequire(import.meta.url)',
      "const schema = require('@portcullis/protocol/schemas/publish.json')",
      'console.log(JSON.stringify({',
      '  ok: parseClientMessage(\'{"type":"ping","id":"1"}\').ok,',
      '  bad: parseClientMessage(\'{"type":"ping","id":"1","x":1}\').ok,',
      '  revoked: CLOSE_CODES.sessionRevoked.code, version: PROTOCOL_VERSION,',
      '  hasRateLimited: "rate_limited" in ERROR_CODES, schemaTitle: schema.properties.type.const,',
      '}))',
    ].join('\n'),
  )
  const out = JSON.parse(run(process.execPath, ['main.js'], service))
  expect(out).toEqual({
    ok: true,
    bad: false,
    revoked: 4401,
    version: 1,
    hasRateLimited: true,
    schemaTitle: 'publish',
  })
  // Types ship too.
  expect(existsSync(join(service, 'node_modules/@portcullis/protocol/dist/index.d.ts'))).toBe(true)
  // Sources and tests do not.
  expect(existsSync(join(service, 'node_modules/@portcullis/protocol/src'))).toBe(false)
})
