/** Reads a packed npm tarball (gzipped tar) without unpacking it to disk: its file list and its package.json. */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

/** What `verifyTarball` reads from a tarball. */
export interface TarballContents {
  /** Paths inside the package (the `package/` prefix removed). */
  readonly files: string[]
  readonly manifest: Record<string, unknown>
}

/** The file list and manifest of a `.tgz` produced by `pnpm pack` / `changeset pack`. */
export function readTarball(path: string): TarballContents {
  const tar = gunzipSync(readFileSync(path))
  const files: string[] = []
  let manifest: Record<string, unknown> = {}
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512)
    if (header.every((b) => b === 0)) break
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '')
    const prefix = field(345, 155)
    const name = (prefix ? `${prefix}/` : '') + field(0, 100)
    const size = Number.parseInt(field(124, 12).trim() || '0', 8)
    const type = field(156, 1)
    const body = tar.subarray(offset + 512, offset + 512 + size)
    if (type === '0' || type === '') {
      const file = name.replace(/^package\//, '')
      files.push(file)
      if (file === 'package.json') manifest = JSON.parse(body.toString('utf8')) as Record<string, unknown>
    }
    offset += 512 + Math.ceil(size / 512) * 512
  }
  return { files, manifest }
}

/** Every export condition name used anywhere in an `exports` map. */
function conditions(exports: unknown): string[] {
  if (typeof exports !== 'object' || exports === null) return []
  return Object.entries(exports).flatMap(([key, value]) => [
    ...(key.startsWith('.') ? [] : [key]),
    ...conditions(value),
  ])
}

/** Every file an `exports` map points at (`./dist/index.js`). */
function targets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports]
  if (typeof exports !== 'object' || exports === null) return []
  return Object.values(exports).flatMap(targets)
}

/**
 * Why a packed package is not fit to publish (empty when it is): the workspace-only `source` condition in its
 * exports, a `workspace:` range left in a dependency, TypeScript sources or tests in the tarball, an export
 * target missing from it, no README, no repository, engines or sideEffects.
 */
export function tarballProblems({ files, manifest }: TarballContents): string[] {
  const problems: string[] = []
  if (conditions(manifest.exports).includes('source'))
    problems.push('exports still use the `source` condition')
  const deps = { ...(manifest.dependencies as object), ...(manifest.peerDependencies as object) }
  for (const [name, range] of Object.entries(deps))
    if (String(range).startsWith('workspace:')) problems.push(`dependency ${name} is still ${String(range)}`)
  const shipped = new Set(files)
  for (const target of targets(manifest.exports).filter((t) => !t.includes('*')))
    if (!shipped.has(target.slice(2))) problems.push(`export target ${target} is not in the tarball`)
  if (files.some((f) => f.startsWith('src/') || f.startsWith('test/')))
    problems.push('sources or tests are in the tarball')
  if (!shipped.has('README.md')) problems.push('no README.md')
  for (const field of ['repository', 'engines', 'sideEffects', 'license'])
    if (manifest[field] === undefined) problems.push(`no "${field}" in package.json`)
  return problems
}
