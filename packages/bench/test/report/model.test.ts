import { expect, test } from 'vitest'
import type { Measurement } from '../../src/context.ts'
import { defaults } from '../../src/options.ts'
import { controlCosts } from '../../src/report/controls.ts'
import { toRows } from '../../src/report/model.ts'
import { evaluateTargets } from '../../src/report/targets.ts'

const echo = (server: Measurement['server'], c: string, ratePerS: number, cpu = 10): Measurement => ({
  scenario: 'echo',
  case: c,
  server,
  metrics: { ratePerS, serverCpuUsPerMsg: cpu },
})

test('rows are medians of the repeats, with ratios to raw ws and Socket.IO of the same case', () => {
  const rows = toRows([
    echo('raw-ws', '100x8', 100_000),
    echo('raw-ws', '100x8', 90_000),
    echo('raw-ws', '100x8', 120_000),
    echo('socketio', '100x8', 50_000),
    echo('portcullis', '100x8', 70_000),
    echo('portcullis', '100x8', 80_000),
  ])
  const pc = rows.find((r) => r.server === 'portcullis')
  expect(pc?.repeats).toBe(2)
  expect(pc?.metrics.ratePerS).toBe(75_000)
  expect(pc?.ratios.ratePerS).toEqual({ vsRaw: 0.75, vsSocketio: 1.5 })
  expect(rows.find((r) => r.server === 'raw-ws')?.metrics.ratePerS).toBe(100_000)
})

test('targets pass or miss by the issue thresholds, and are "not measured" without the figures', () => {
  const options = defaults('full')
  const rows = toRows([
    echo('raw-ws', '100x8', 100_000, 8),
    echo('socketio', '100x8', 55_000, 15),
    echo('portcullis', '100x8', 69_000, 13),
    echo('portcullis-notrace', '100x8', 75_000, 12),
  ])
  const byId = new Map(evaluateTargets(rows, options).map((t) => [t.id, t]))
  expect(byId.get('echo-100x8-vs-raw')).toMatchObject({ value: 0.69, pass: false })
  expect(byId.get('echo-100x8-vs-socketio')?.pass).toBe(false)
  expect(byId.get('echo-100x8-cpu')).toMatchObject({ value: 1.625, pass: false })
  expect(byId.get('tracing-cost')?.value).toBeCloseTo(8, 5)
  expect(byId.get('tracing-cost')?.pass).toBe(true)
  expect(byId.get('echo-1000x1-vs-raw')).toMatchObject({ value: null, pass: null })
  expect(byId.get('revocation-idle-all-closed')?.pass).toBeNull()
})

test('control costs compare figures of the same run, positive when the control slows things down', () => {
  const rows = toRows([echo('portcullis', '100x8', 80_000), echo('portcullis-notrace', '100x8', 100_000)])
  const tracing = controlCosts(rows).find(
    (c) => c.figure === 'echo 100x8 round trips/s' && c.control.startsWith('tracing'),
  )
  expect(tracing).toMatchObject({ with: 80_000, without: 100_000 })
  expect(tracing?.costPct).toBeCloseTo(20, 5)
})

const hs = (server: Measurement['server'], c: string, cpu: number): Measurement => ({
  scenario: 'handshake',
  case: c,
  server,
  metrics: { ratePerS: 1000, serverCpuUsPerOp: cpu },
})

test('issue-14 targets compare server CPU per operation from the same run, tracing included', () => {
  const options = defaults('full')
  const rows = toRows([
    hs('socketio', 'accept', 400),
    hs('portcullis', 'accept', 280),
    hs('portcullis', 'accept-bearer', 440),
    hs('portcullis', 'reject', 300),
    hs('portcullis', 'reject-ticket', 350),
    hs('portcullis-notrace', 'accept', 250),
    echo('raw-ws', '1000x1', 60_000, 10),
    echo('portcullis', '1000x1', 57_600, 12),
    echo('portcullis-notrace', '1000x1', 60_000, 11),
    {
      scenario: 'loop',
      case: '10000conns-production-limits',
      server: 'portcullis',
      metrics: { eventLoopP99Ms: 25 },
    },
  ])
  const byId = new Map(evaluateTargets(rows, options).map((t) => [t.id, t]))
  expect(byId.get('i14-ticket-cpu')).toMatchObject({ issue: 14, value: 0.7, pass: true })
  // No Socket.IO bearer case: the bearer handshake is compared with Socket.IO's (only) accepted handshake.
  expect(byId.get('i14-bearer-cpu')).toMatchObject({ value: 1.1, pass: false })
  expect(byId.get('i14-reject-ticket-cpu')).toMatchObject({ value: 1.25, pass: false })
  expect(byId.get('i14-reject-bearer-cpu')?.pass).toBe(true)
  expect(byId.get('i14-echo-1000x1-cpu')).toMatchObject({ value: 1.2, pass: true })
  expect(byId.get('i14-tracing-echo-1000x1')?.value).toBeCloseTo(4, 5)
  expect(byId.get('i14-tracing-echo-1000x1')?.pass).toBe(true)
  expect(byId.get('i14-tracing-handshake')?.value).toBeCloseTo(12, 5)
  expect(byId.get('i14-tracing-handshake')?.pass).toBe(false)
  expect(byId.get('i14-loop-p99')).toMatchObject({ value: 25, pass: false })
  expect(byId.get('i14-idle-rss')).toMatchObject({ value: null, pass: null })
  expect(byId.get('echo-1000x1-cpu')?.issue).toBe(8)
})
