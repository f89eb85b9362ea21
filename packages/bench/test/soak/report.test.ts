import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, onTestFinished, test } from 'vitest'
import { writeSoakDocs } from '../../src/soak/output.ts'
import { soakDefaults } from '../../src/soak/options.ts'
import { checks, renderSoakMarkdown, type SoakReport } from '../../src/soak/report.ts'
import { faultPlan } from '../../src/soak/schedule.ts'
import { renderSoakSvg } from '../../src/soak/svg.ts'

const memory = (process: string, heapMBPerMin: number) => ({
  process,
  rssMBPerMin: 0.1,
  heapMBPerMin,
  heapStartMB: 40,
  heapEndMB: 41,
  samples: 20,
  spanMin: 5,
  judged: true,
  leak: heapMBPerMin > 1,
})

function report(over: Partial<SoakReport> = {}): SoakReport {
  const settings = { ...soakDefaults('quick'), outDir: undefined }
  const r: SoakReport = {
    schema: 'portcullis-soak/1',
    mode: 'quick',
    startedAt: '2026-12-03T00:00:00.000Z',
    durationS: 90,
    command: 'pnpm soak --quick',
    machine: { cpuModel: 'cpu', cpus: 2, memoryGB: 8, os: 'Linux' },
    settings,
    limits: { CONNECT_RATE_PER_MIN: '300' },
    plan: faultPlan(60_000, ['realtime', 'redis', 'api']),
    faults: [
      {
        kind: 'realtime',
        what: 'realtime instance killed',
        at: 24,
        backAt: 24,
        repairedAt: 30,
        leasesGoneMs: 28_000,
      },
      { kind: 'redis', what: 'Redis master killed', at: 36, backAt: 39, repairedAt: 45 },
    ],
    figures: {
      revocations: { count: 10, lost: 0, latency: { p50Ms: 20, p99Ms: 80, maxMs: 90, samples: 10 } },
      messages: {
        acked: 500,
        expectedDeliveries: 5000,
        lost: 3,
        lostInRedisFaults: 3,
        extra: 0,
        lostSamples: [],
      },
      reconnects: [
        { kind: 'realtime instance killed', affected: 500, p95Ms: 800, allMs: 1200, notBack: 0 },
        { kind: 'redis master killed', affected: 0, p95Ms: Number.NaN, allMs: Number.NaN, notBack: 0 },
      ],
    },
    connections: 1000,
    finalOpen: 1000,
    unintendedCloses: 500,
    memory: [memory('api', 0.2), memory('realtime-1', 0.1)],
    logs: {
      api: { errors: [], errorCount: 0, refusals: {}, storeUnreachable: 0, stderr: [] },
      'realtime-1': {
        errors: [],
        errorCount: 0,
        refusals: { store_unavailable: 4 },
        storeUnreachable: 0,
        stderr: [],
      },
    },
    counts: {},
    timeline: [
      { s: 0, open: 0, perInstance: [0, 0] },
      { s: 30, open: 1000, perInstance: [500, 500] },
      { s: 60, open: 1000, perInstance: [400, 600] },
    ],
    memoryTimeline: { api: [{ s: 30, rssMB: 90, heapMB: 30, gc: true }] },
    clientLoopP99Ms: 12,
    faultErrors: [],
    checks: [],
    ...over,
  }
  r.checks = checks(r)
  return r
}

const byId = (r: SoakReport) => Object.fromEntries(r.checks.map((c) => [c.id, c.pass]))

test('checks: everything held (losses inside a Redis failover are reported, not failed)', () => {
  expect(byId(report())).toEqual({
    revocations: true,
    reconnects: true,
    messages: true,
    storm: true,
    memory: true,
    logs: true,
  })
})

test('checks fail on a lost revocation, a client left behind, a lost message, a storm refusal, a leak, an error line', () => {
  const base = report()
  const figures = base.figures
  expect(
    byId(report({ figures: { ...figures, revocations: { ...figures.revocations, lost: 1 } } })).revocations,
  ).toBe(false)
  expect(
    byId(report({ figures: { ...figures, revocations: { ...figures.revocations, count: 0 } } })).revocations,
  ).toBe(false)
  expect(byId(report({ finalOpen: 999 })).reconnects).toBe(false)
  expect(byId(report({ faultErrors: ['redis: boom'] })).reconnects).toBe(false)
  expect(byId(report({ figures: { ...figures, messages: { ...figures.messages, lost: 4 } } })).messages).toBe(
    false,
  )
  const stormy = {
    ...base.logs,
    'realtime-1': { ...base.logs['realtime-1']!, refusals: { connect_rate: 1 } },
  }
  expect(byId(report({ logs: stormy })).storm).toBe(false)
  expect(byId(report({ memory: [{ ...base.memory[0]!, heapMBPerMin: 2, leak: true }] })).memory).toBe(false)
  expect(byId(report({ memory: [{ ...base.memory[0]!, judged: false }] })).memory).toBeNull()
  const noisy = { ...base.logs, api: { ...base.logs.api!, stderr: ['Error: unhandled'] } }
  expect(byId(report({ logs: noisy })).logs).toBe(false)
})

test('markdown and SVG carry the checks, the faults and the timeline', () => {
  const r = report()
  const md = renderSoakMarkdown(r)
  expect(md).toContain('| check | result | detail |')
  expect(md).toContain(
    'realtime instance killed (24.0) | at once (the others serve) | 500 | 800 ms / 1200 ms | 0 | 28.0 s |',
  )
  expect(md).toContain('store_unavailable 4')
  const svg = renderSoakSvg(r)
  expect(svg.startsWith('<svg')).toBe(true)
  expect(svg).toContain('realtime-2')
  expect(svg.match(/stroke-dasharray="4 3"/g)).toHaveLength(4) // two faults, in both panels
  expect(svg).toContain('6/6 checks passed')
  const short = renderSoakSvg(report({ memory: [{ ...r.memory[0]!, judged: false }] }))
  expect(short).toContain('5/5 checks passed (1 not measurable in this run)')
})

test('writeSoakDocs replaces only the block between its markers', async () => {
  const docs = await mkdtemp(join(tmpdir(), 'soak-docs-'))
  onTestFinished(() => rm(docs, { recursive: true, force: true }))
  await writeFile(
    join(docs, 'reliability.md'),
    '# Reliability\nhand-written\n<!-- soak:results:start -->\nold\n<!-- soak:results:end -->\ntail\n',
  )
  await writeSoakDocs(report(), docs)
  const page = await readFile(join(docs, 'reliability.md'), 'utf8')
  expect(page).toMatch(/^# Reliability\nhand-written\n<!-- soak:results:start -->\n\*\*quick run\*\*/)
  expect(page).not.toContain('\nold\n')
  expect(page.endsWith('<!-- soak:results:end -->\ntail\n')).toBe(true)
  expect(JSON.parse(await readFile(join(docs, 'reliability/latest.json'), 'utf8'))).toMatchObject({
    connections: 1000,
  })
})
