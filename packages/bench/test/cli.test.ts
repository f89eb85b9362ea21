import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, onTestFinished, test } from 'vitest'
import type { BenchReport } from '../src/index.ts'

const run = promisify(execFile)
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

// A smoke test so the harness cannot rot: the real quick path (its own redis-server, a raw ws server process, the
// load generator process) for a few seconds, then the shape of what it wrote. No figure is asserted: speed
// belongs to `pnpm bench`, not to a timed test.
test('the quick path against raw ws writes a complete JSON report, markdown and SVG', async () => {
  const out = await mkdtemp(join(tmpdir(), 'bench-smoke-'))
  onTestFinished(() => rm(out, { recursive: true, force: true }))

  const args = ['--conditions=source', CLI, '--quick', '--servers', 'raw-ws', '--scenarios', 'handshake,echo']
  // Small echo cases keep the test light on a shared 2-core CI machine.
  args.push('--echo', '1x1,20x2', '--window-ms', '300', '--out', out)
  const { stdout, stderr } = await run(process.execPath, args, { timeout: 80_000 })

  const files = await readdir(out)
  const json = files.find((f) => f.endsWith('.json'))
  expect(json, `files: ${files.join(', ')}`).toBeDefined()
  expect(files.filter((f) => /\.(md|svg)$/.test(f))).toHaveLength(2)
  const report = JSON.parse(await readFile(join(out, json as string), 'utf8')) as BenchReport

  expect(report.schema).toBe('portcullis-bench/1')
  expect(report.mode).toBe('quick')
  expect(report.machine.cpus).toBeGreaterThan(0)
  expect(report.versions.node).toBe(process.version)
  expect(report.versions.ws).toMatch(/^\d+\.\d+\.\d+$/)
  expect(Object.keys(report.servers)).toEqual(['raw-ws'])

  const cases = report.rows.map((r) => `${r.scenario}:${r.case}:${r.server}`)
  expect(cases).toEqual(
    expect.arrayContaining([
      'handshake:accept:raw-ws',
      'echo:1x1:raw-ws',
      'echo:20x2:raw-ws',
      'echo:fixed-10k:raw-ws',
    ]),
  )
  for (const row of report.rows) {
    expect(row.metrics.ratePerS, `${row.scenario} ${row.case}`).toBeGreaterThan(0)
    expect(row.metrics.p99Ms).toBeGreaterThanOrEqual(row.metrics.p50Ms as number)
    expect(row.metrics.serverCpuUsPerMsg ?? row.metrics.serverCpuUsPerOp).toBeGreaterThan(0)
    expect(row.metrics.clientCpuPct).toBeGreaterThan(0)
    // raw ws is its own reference: every ratio to it is exactly 1; there is no Socket.IO in this run.
    expect(row.ratios.ratePerS).toEqual({ vsRaw: 1, vsSocketio: null })
  }
  // Targets that need Portcullis are reported as not measured, never as a pass.
  expect(report.targets.length).toBeGreaterThan(10)
  expect(report.targets.every((t) => t.pass === null)).toBe(true)

  expect(stdout).toContain('### (b) Request/reply round trips')
  // One progress line per step on stderr: step k of n, elapsed, time left; the last step is step n of n.
  const steps = [...stderr.matchAll(/step (\d+) of (\d+) · \d+:\d\d elapsed · ~\d+:\d\d left/g)]
  expect(steps.length).toBe(report.measurements.length)
  expect(steps.at(-1)?.[1]).toBe(steps.at(-1)?.[2])
  expect(await readFile(join(out, json!.replace(/\.json$/, '.svg')), 'utf8')).toMatch(
    /^<svg [^>]*>[\s\S]*<\/svg>\n$/,
  )
})
