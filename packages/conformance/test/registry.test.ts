import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import {
  CASES,
  GROUPS,
  main,
  registryProblems,
  renderCatalog,
  renderPlan,
  selectCases,
  type ConformanceCase,
} from '../src/index.ts'

const doc = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8')

describe('the case registry', () => {
  test('every case has a unique <group>.<name> id, a contract clause, references, practices, a plan and caps', () => {
    expect(registryProblems(CASES)).toEqual([])
    expect(new Set(CASES.map((c) => c.group))).toEqual(new Set(GROUPS))
  })

  test('the checks can fail: a broken registry is reported', () => {
    const good = CASES[0]!
    const broken: ConformanceCase[] = [
      good,
      good,
      { ...good, id: 'origin.x' },
      { ...good, id: 'transport.Bad_Name' },
      {
        ...good,
        id: 'transport.empty',
        spec: ' ',
        refs: [],
        practices: [10],
        sends: [],
        budget: { requests: 1, frames: 0, timeoutMs: 0 },
      },
    ]
    expect(registryProblems(broken)).toEqual([
      `duplicate id ${good.id}`,
      'origin.x is not in group transport',
      'transport.Bad_Name is not <group>.<kebab-name>',
      'transport.empty names no contract clause',
      'transport.empty has no RFC/OWASP reference',
      'transport.empty maps to no practice 1–9',
      'transport.empty does not say what it sends',
      'transport.empty has no budget',
    ])
  })

  test('the cases that get their address blocked run last; the long waits run side by side', () => {
    expect(CASES.filter((c) => c.phase === 'blocking').map((c) => c.id)).toEqual([
      'limits.connect-flood',
      'limits.auth-failure-block',
    ])
    expect(
      CASES.filter((c) => c.phase === 'waiting')
        .map((c) => c.id)
        .toSorted(),
    ).toEqual(['credentials.expired-token', 'lifetime.expiry', 'lifetime.expiry-refresh', 'lifetime.idle'])
  })

  test('--only selects by id, group and prefix*, keeps registry order, and refuses a selector that matches nothing', () => {
    const picked = selectCases(CASES, ['limits.message-flood', 'origin', 'lifetime.expiry*']).map((c) => c.id)
    expect(picked).toEqual([
      'origin.foreign',
      'origin.look-alike',
      'origin.refused-keeps-ticket',
      'origin.api-cors',
      'limits.message-flood',
      'lifetime.expiry',
      'lifetime.expiry-refresh',
    ])
    expect(selectCases(CASES)).toHaveLength(CASES.length)
    expect(() => selectCases(CASES, ['origins'])).toThrow(/--only origins matches no case/)
  })

  test('docs/security/conformance.md carries the catalogue generated from the registry (pnpm … run docs)', () => {
    const text = doc('docs/security/conformance.md')
    const start = text.indexOf('<!-- catalog:start')
    const body = text.slice(text.indexOf('-->', start) + 3, text.indexOf('<!-- catalog:end -->')).trim()
    expect(body).toBe(renderCatalog(CASES).trim())
    for (const c of CASES) expect(body).toContain(`| \`${c.id}\` |`)
  })

  test('the README names no case that does not exist', () => {
    const readme = doc('packages/conformance/README.md')
    const named = [
      ...readme.matchAll(
        /\b((?:transport|handshake|origin|credentials|messages|limits|lifetime)\.[a-z0-9-]+)\b/g,
      ),
    ].map((m) => m[1])
    expect(named.length).toBeGreaterThan(10)
    expect(named.filter((id) => !CASES.some((c) => c.id === id))).toEqual([])
  })
})

describe('--dry-run', () => {
  test('lists every case with its plan and caps, shows no password, and contacts nothing', async () => {
    // A listener on the target's port would see any connection the dry run made.
    let connections = 0
    const server = createServer((socket) => {
      connections += 1
      socket.destroy()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    let stdout = ''
    const code = await main(
      [
        '--dry-run',
        '--api',
        `http://127.0.0.1:${port}`,
        '--ws',
        `ws://127.0.0.1:${port}`,
        '--origin',
        'http://localhost:5173',
        '--user',
        'alice',
        '--password',
        'dry-run-password',
      ],
      { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true }, env: {} },
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    server.close()
    expect(code).toBe(0)
    expect(connections).toBe(0)
    expect(stdout).toMatch(new RegExp(`^would contact only: 127\\.0\\.0\\.1:${port} `, 'm'))
    for (const c of CASES)
      expect(stdout).toMatch(new RegExp(`^${c.id.replace('.', '\\.')}  \\[${c.phase}`, 'm'))
    expect(stdout.match(/^ {2}caps: \d+ requests, \d+ frames, /gm)).toHaveLength(CASES.length)
    expect(stdout).not.toContain('dry-run-password')
  })

  test('the plan of a selection names only those cases', () => {
    const plan = renderPlan(selectCases(CASES, ['limits.message-flood']), {})
    expect(plan).toMatch(/^dry run: 1 cases; nothing is sent\.$/m)
    expect(plan).toContain('sends: pings as fast as possible')
    expect(plan).not.toContain('origin.foreign')
  })
})
