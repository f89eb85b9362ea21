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
