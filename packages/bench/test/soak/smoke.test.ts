import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, onTestFinished, test } from 'vitest'
import type { SoakReport } from '../../src/soak/report.ts'

const run = promisify(execFile)
const CLI = fileURLToPath(new URL('../../src/soak/cli.ts', import.meta.url))

// A smoke test so the soak harness cannot rot: the real path (a Redis Cluster, the built api and two realtime
// instances as processes, SDK clients, one realtime instance killed and restarted) for 15 s with 40 clients, then
// the shape of what it wrote. The full run is `pnpm soak` (docs/reliability.md), not a test.
test('a 15-second soak with one fault writes a report whose checks hold', { timeout: 150_000 }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'soak-smoke-'))
  onTestFinished(() => rm(out, { recursive: true, force: true }))
  const args = ['--conditions=source', CLI, '--quick', '--minutes', '0.25', '--connections', '40']
  args.push('--faults', 'realtime', '--out', out, '--no-docs')
  const { stdout } = await run(process.execPath, args, { timeout: 140_000 })
  expect(stdout).toContain('| check | result | detail |')
  const files = await readdir(out)
  const json = files.find((f) => f.endsWith('.json'))
  expect(files.filter((f) => /\.(json|md|svg)$/.test(f))).toHaveLength(3)
  const report = JSON.parse(await readFile(join(out, json!), 'utf8')) as SoakReport
  expect(report).toMatchObject({ schema: 'portcullis-soak/1', connections: 40, finalOpen: 40 })
  expect(report.faults.map((f) => f.kind)).toEqual(['realtime'])
  expect(report.figures.reconnects[0]!.affected).toBeGreaterThan(0)
  expect(report.figures.reconnects[0]!.notBack).toBe(0)
  expect(report.figures.messages.acked).toBeGreaterThan(0)
  const failed = report.checks.filter((c) => c.pass === false && c.id !== 'revocations')
  expect(failed, JSON.stringify(failed)).toEqual([])
  expect(report.figures.revocations.lost).toBe(0)
  expect(report.timeline.length).toBeGreaterThan(10)
})
