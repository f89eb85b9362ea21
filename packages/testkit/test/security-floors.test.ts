import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Minimum versions (docs/security/threat-model.md, supply chain): each fixes a published advisory
// (ws: unbounded fragments/payload; fast-jwt: claim-validation bypasses; fastify: numeric trustProxy trusted
// every hop). Raise a floor here and in the `overrides` of pnpm-workspace.yaml together.
const FLOORS = { ws: '8.21.0', 'fast-jwt': '6.3.1', fastify: '5.12.1' } as const

const root = fileURLToPath(new URL('../../../', import.meta.url))

/** Compares dotted numeric versions (pre-release tags sort below their release). */
function compare(a: string, b: string): number {
  const [coreA = '', preA] = a.split('-', 2)
  const [coreB = '', preB] = b.split('-', 2)
  const pa = coreA.split('.').map(Number)
  const pb = coreB.split('.').map(Number)
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  if (preA && !preB) return -1
  if (!preA && preB) return 1
  return 0
}

/** Every `name@version` a pnpm v9 lockfile resolves (the `packages:` and `snapshots:` keys). */
function resolvedVersions(lockfile: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>()
  const key = /^ {2}'?((?:@[^/\s']+\/)?[^@\s'(/]+)@(\d+\.\d+\.\d+[^:'(\s]*)/gm
  for (const [, name = '', version = ''] of lockfile.matchAll(key)) {
    const versions = found.get(name) ?? new Set<string>()
    versions.add(version)
    found.set(name, versions)
  }
  return found
}

/** Lines like `ws@8.20.0 < 8.21.0` for every resolved copy under its floor (or missing entirely). */
function floorViolations(lockfile: string): string[] {
  const versions = resolvedVersions(lockfile)
  const out: string[] = []
  for (const [name, floor] of Object.entries(FLOORS)) {
    const got = versions.get(name)
    if (!got || got.size === 0) out.push(`${name} not found in the lockfile`)
    for (const v of got ?? []) if (compare(v, floor) < 0) out.push(`${name}@${v} < ${floor}`)
  }
  return out
}

/** The `overrides:` block at the top of the lockfile, as name → version. */
function lockedOverrides(lockfile: string): Record<string, string> {
  const block = /^overrides:\n((?: {2}.+\n)+)/m.exec(lockfile)?.[1] ?? ''
  return Object.fromEntries(
    block
      .trim()
      .split('\n')
      .map((line) =>
        line
          .trim()
          .split(/:\s*/, 2)
          .map((s) => s.replace(/^['"]|['"]$/g, '')),
      ),
  ) as Record<string, string>
}

describe('security floors in pnpm-lock.yaml', () => {
  const lockfile = readFileSync(`${root}pnpm-lock.yaml`, 'utf8')

  it('resolves every copy of ws, fast-jwt and fastify at or above its floor', () => {
    expect(floorViolations(lockfile)).toEqual([])
  })

  it('forces the floors on transitive copies through overrides', () => {
    const overrides = lockedOverrides(lockfile)
    for (const [name, floor] of Object.entries(FLOORS)) {
      const pinned = overrides[name]?.replace(/^[\^~>=\s]+/, '')
      expect(pinned, `overrides.${name}`).toBeDefined()
      expect(compare(pinned ?? '0.0.0', floor), `overrides.${name}=${pinned}`).toBeGreaterThanOrEqual(0)
    }
  })

  it('catches a copy below a floor, scoped keys and peer suffixes included', () => {
    const bad = [
      'packages:',
      '',
      '  ws@8.23.0:',
      '  ws@8.20.1:',
      "  '@fastify/websocket@11.3.7':",
      '  fast-jwt@6.3.0:',
      '  fastify@5.12.8(typescript@7.0.2):',
      '  fastify@5.9.0:',
      '',
    ].join('\n')
    expect(floorViolations(bad)).toEqual([
      'ws@8.20.1 < 8.21.0',
      'fast-jwt@6.3.0 < 6.3.1',
      'fastify@5.9.0 < 5.12.1',
    ])
    expect(floorViolations('packages:\n\n  ws@8.23.0:\n')).toEqual([
      'fast-jwt not found in the lockfile',
      'fastify not found in the lockfile',
    ])
  })

  it('orders versions numerically, not as strings', () => {
    expect(compare('8.100.0', '8.21.0')).toBeGreaterThan(0)
    expect(compare('6.3.10', '6.3.1')).toBeGreaterThan(0)
    expect(compare('5.12.1-rc.1', '5.12.1')).toBeLessThan(0)
    expect(compare('5.12.1', '5.12.1')).toBe(0)
  })
})
