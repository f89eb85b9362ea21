import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../src/generate/files.ts'

// The documentation stands alone: a fork has nothing but this repository.
const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && existsSync(join(REPO_ROOT, f)))
const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8')
const markdown = tracked.filter((f) => f.endsWith('.md'))
const rotationBlock = (file: string) =>
  read(file).split('<!-- key-rotation:start')[1]?.split('<!-- key-rotation:end')[0]
const text = tracked.filter((f) => /\.(ts|md|ya?ml|json|jsonc|cfg|sh)$|Dockerfile$|\.env\.example$/.test(f))

describe('the documentation stands alone', () => {
  it('every relative Markdown link points at a file inside the repository that exists', () => {
    const bad: string[] = []
    for (const file of markdown) {
      for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:|^#/.test(target!)) continue
        const path = resolve(dirname(join(REPO_ROOT, file)), decodeURI(target!.split('#')[0]!))
        if (relative(REPO_ROOT, path).startsWith('..') || !existsSync(path)) bad.push(`${file} → ${target}`)
      }
    }
    expect(bad).toEqual([])
  })

  it('no code, comment or document cites a contract outside the repository', () => {
    // Decision records are history: docs/decisions/README.md says where the contract they cite now lives.
    const bad = text
      .filter((f) => !f.startsWith('docs/decisions/') && f !== 'packages/devtools/test/docs.test.ts')
      .flatMap((f) =>
        read(f)
          .split('\n')
          .map((line, i) => [f, i + 1, line] as const)
          .filter(([, , line]) => /\bSPEC\b|shared\/SPEC|\.\.\/shared\//.test(line)),
      )
      .map(([f, n, line]) => `${f}:${n}: ${line.trim()}`)
    expect(bad).toEqual([])
  })
})

describe('the guides agree', () => {
  it('key rotation is described one way, the same in the api guide and the deployment guide', () => {
    expect(rotationBlock('docs/guides/api.md')).toBeDefined()
    expect(rotationBlock('docs/guides/api.md')).toBe(rotationBlock('docs/guides/deployment.md'))
    expect(rotationBlock('docs/guides/api.md')).toContain('JWKS_REFRESH_S')
  })
})

describe('one Node statement everywhere', () => {
  const nvmrc = read('.nvmrc').trim()
  const engines = (file: string) => (JSON.parse(read(file)) as { engines?: { node?: string } }).engines?.node

  it('engines agree, and the pinned version (.nvmrc, Docker images) satisfies them', () => {
    expect(engines('package.json')).toBe('>=22.18.0')
    expect(engines('packages/protocol/package.json')).toBe(engines('package.json'))
    expect(engines('packages/client/package.json')).toBe(engines('package.json'))
    const [major, minor] = nvmrc.split('.').map(Number)
    expect(major! > 22 || (major === 22 && minor! >= 18)).toBe(true)
    for (const dockerfile of tracked.filter((f) => f.endsWith('Dockerfile')))
      expect(read(dockerfile), dockerfile).toContain(`ARG NODE_VERSION=${nvmrc}`)
  })

  it('the README and the guides state it the same way', () => {
    const statement = 'Node 22.18 or later'
    for (const file of ['README.md', 'docs/guides/quick-start.md', 'docs/guides/client-sdk.md'])
      expect(read(file), file).toContain(statement)
    const other = markdown
      .filter((f) => !f.startsWith('docs/decisions/') && !f.startsWith('docs/benchmarks'))
      .filter((f) => /Node (≥|>=) ?\d|Node 2[0-9](?![.\d]* or later)(?! LTS)/.test(read(f)))
    expect(other).toEqual([])
  })
})
