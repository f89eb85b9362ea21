import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

interface Manifest {
  name: string
  version: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  [field: string]: unknown
}

const manifestOf = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest

/** Where Node would find `name` from `from` (walking up `node_modules`), as a real path. */
function packageDir(from: readonly string[], name: string): string {
  for (const start of from)
    for (let dir = start; dirname(dir) !== dir; dir = dirname(dir))
      if (existsSync(join(dir, 'node_modules', name, 'package.json')))
        return realpathSync(join(dir, 'node_modules', name))
  throw new Error(`${name} is not installed (from ${from.join(', ')})`)
}

export interface PackedInstallOptions {
  /** Workspace packages to publish as `pnpm pack` makes them (built first when `dist` is missing). */
  readonly workspace: readonly string[]
  /** Registry packages to install next to them (as installed for one of the workspace packages). */
  readonly extra: readonly string[]
  /** Where to work: tarballs, the npm cache and the installed project (`<work>/service`). */
  readonly work: string
}

/**
 * Installs workspace packages the way another team would: their packed tarballs, with plain npm, into a project
 * outside the workspace. Offline: npm talks to a registry on loopback that serves those tarballs plus every
 * third-party package they need, packed from the local pnpm store, so npm resolves versions exactly as it would
 * against the real registry (including two versions of one package where the tree needs them).
 * Returns the project directory.
 */
export async function installPacked({ workspace, extra, work }: PackedInstallOptions): Promise<string> {
  const tarballs = join(work, 'tarballs')
  mkdirSync(tarballs, { recursive: true })
  const versions = new Map<string, Map<string, { manifest: Manifest; file: string }>>()
  const add = (manifest: Manifest, file: string) => {
    const byVersion = versions.get(manifest.name) ?? new Map()
    byVersion.set(manifest.version, { manifest, file })
    versions.set(manifest.name, byVersion)
  }

  const local = new Set(workspace.map((dir) => manifestOf(dir).name))
  const roots: string[] = []
  for (const dir of workspace) {
    if (!existsSync(join(dir, 'dist'))) await run('pnpm', ['run', 'build'], { cwd: dir })
    const before = new Set(readdirSync(tarballs))
    await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir })
    const file = join(
      tarballs,
      readdirSync(tarballs).find((f) => !before.has(f))!,
    )
    const { stdout } = await run('tar', ['-xzOf', file, 'package/package.json'])
    const manifest = JSON.parse(stdout) as Manifest
    add(manifest, file)
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }))
      if (!local.has(name)) roots.push(packageDir([dir], name))
  }
  for (const name of extra) roots.push(packageDir(workspace, name))

  // The dependency closure, from the pnpm store (each package's dependencies sit next to it).
  const queue = [...roots]
  const seen = new Set<string>()
  while (queue.length > 0) {
    const dir = queue.pop()!
    if (seen.has(dir)) continue
    seen.add(dir)
    const manifest = manifestOf(dir)
    // npm drops hard-link entries from a tarball and pnpm's store hard-links files: dereference them.
    const file = join(tarballs, `${manifest.name.replace('/', '+')}-${manifest.version}.tgz`)
    await run('tar', ['--hard-dereference', '-czf', file, '--transform', 's,^\\.,package,', '-C', dir, '.'])
    add(manifest, file)
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }))
      queue.push(packageDir([dir], name))
  }

  const registry = await serveRegistry(versions)
  try {
    const service = join(work, 'service')
    mkdirSync(service, { recursive: true })
    writeFileSync(
      join(service, 'package.json'),
      `${JSON.stringify({ name: 'another-service', private: true, type: 'module' }, null, 2)}\n`,
    )
    await run(
      'npm',
      [
        'install',
        `--registry=${registry.url}`,
        `--cache=${join(work, 'npm-cache')}`,
        `--userconfig=${join(work, 'npmrc')}`,
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        ...[...local, ...extra].map((name) => `${name}@${[...versions.get(name)!.keys()][0]}`),
      ],
      { cwd: service, timeout: 120_000 },
    )
    return service
  } finally {
    await new Promise((resolve) => registry.server.close(resolve))
  }
}

async function serveRegistry(
  versions: Map<string, Map<string, { manifest: Manifest; file: string }>>,
): Promise<{ url: string; server: Server }> {
  const files = new Map<string, string>()
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://registry').pathname).slice(1)
    const file = files.get(path)
    if (file)
      return void createReadStream(file).pipe(
        res.writeHead(200, { 'content-type': 'application/octet-stream' }),
      )
    const byVersion = versions.get(path)
    if (!byVersion) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{}')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument(path, byVersion)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

  function packument(name: string, byVersion: Map<string, { manifest: Manifest; file: string }>) {
    const out: Record<string, unknown> = {}
    for (const [version, { manifest, file }] of byVersion) {
      const bytes = readFileSync(file)
      const path = `-/tarballs/${file.slice(file.lastIndexOf('/') + 1)}`
      files.set(path, file)
      out[version] = {
        ...manifest,
        dist: {
          tarball: `${url}${path}`,
          shasum: createHash('sha1').update(bytes).digest('hex'),
          integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
        },
      }
    }
    const latest = [...byVersion.keys()].at(-1)!
    return { name, 'dist-tags': { latest }, versions: out }
  }
  // Fill the tarball table before npm asks for any of them.
  for (const [name, byVersion] of versions) packument(name, byVersion)
  return { url, server }
}
