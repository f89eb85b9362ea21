import { LABELS, type ServerName } from '../targets.ts'
import type { Row } from './model.ts'
import type { BenchReport } from './types.ts'

interface Column {
  metric: string
  label: string
  /** Show this metric's ratios to raw ws and Socket.IO in two extra columns. */
  ratios?: boolean
}

// Columns most tables show, written once so their labels agree.
const P50: Column = { metric: 'p50Ms', label: 'p50 ms' }
const P99: Column = { metric: 'p99Ms', label: 'p99 ms' }
const CLIENT_CPU: Column = { metric: 'clientCpuPct', label: 'client CPU %' }
const OTHER_CPU: Column = { metric: 'otherCpuPct', label: 'other CPU %' }

const COLUMNS: Record<string, { title: string; columns: Column[] }> = {
  handshake: {
    title: '(a) Handshakes at concurrency 50',
    columns: [
      { metric: 'ratePerS', label: 'handshakes/s', ratios: true },
      P50,
      P99,
      { metric: 'serverCpuUsPerOp', label: 'server CPU µs/handshake', ratios: true },
      { metric: 'redisCpuUsPerOp', label: 'Redis CPU µs' },
      CLIENT_CPU,
      OTHER_CPU,
    ],
  },
  echo: {
    title:
      '(b) Request/reply round trips (connections × in flight; fixed = open loop at a fixed offered load)',
    columns: [
      { metric: 'ratePerS', label: 'round trips/s', ratios: true },
      P50,
      P99,
      { metric: 'serverCpuUsPerMsg', label: 'server CPU µs/msg', ratios: true },
      { metric: 'redisCpuUsPerMsg', label: 'Redis CPU µs/msg' },
      { metric: 'serverLoopP99Ms', label: 'server event-loop p99 ms' },
      CLIENT_CPU,
      OTHER_CPU,
    ],
  },
  fanout: {
    title: '(c) Fan-out: one publisher, subscribers over the instances',
    columns: [
      { metric: 'deliveriesPerS', label: 'deliveries/s', ratios: true },
      P50,
      P99,
      { metric: 'completeness', label: 'delivered share' },
      { metric: 'instances', label: 'instances' },
      { metric: 'serverCpuUsPerDelivery', label: 'server CPU µs/delivery' },
      CLIENT_CPU,
      OTHER_CPU,
    ],
  },
  idle: {
    title: '(d) Idle authenticated connections',
    columns: [
      { metric: 'rssPerConnKB', label: 'RSS KB/conn', ratios: true },
      { metric: 'heapPerConnKB', label: 'heap KB/conn', ratios: true },
      { metric: 'eventLoopP99Ms', label: 'event-loop p99 ms at 1 msg/s each' },
      { metric: 'trickleP99Ms', label: 'reply p99 ms' },
      { metric: 'trickleOtherCpuPct', label: 'other CPU %' },
      { metric: 'rssRetainedAfterCloseMB', label: 'RSS kept after first close MB' },
      { metric: 'rssGrowthAfterCyclesPct', label: 'RSS growth over cycles %' },
      { metric: 'heapGrowthAfterCyclesPct', label: 'heap growth over cycles %' },
      { metric: 'openPerS', label: 'opened/s' },
    ],
  },
  revocation: {
    title: '(e) Revocation → close, sessions over two instances',
    columns: [
      { metric: 'sessions', label: 'sessions' },
      P50,
      P99,
      { metric: 'maxMs', label: 'max ms' },
      { metric: 'notClosed', label: 'not closed' },
      { metric: 'backgroundRatePerS', label: 'background round trips/s' },
    ],
  },
  wss: {
    title:
      '(g) `wss://`: TLS in-process (handshakes at concurrency 10, a full TLS handshake each; echo 100 × 8)',
    columns: [
      { metric: 'ratePerS', label: 'per s', ratios: true },
      P50,
      P99,
      { metric: 'serverCpuUsPerOp', label: 'server CPU µs/op', ratios: true },
      { metric: 'redisCpuUsPerOp', label: 'Redis CPU µs/op' },
      CLIENT_CPU,
      OTHER_CPU,
    ],
  },
  'cross-fanout': {
    title: '(h) Cross-instance fan-out: every subscriber on B, the publisher on A, fixed publish rate',
    columns: [
      { metric: 'deliveriesPerS', label: 'deliveries/s' },
      P50,
      P99,
      { metric: 'p999Ms', label: 'p99.9 ms' },
      { metric: 'completeness', label: 'delivered share' },
      { metric: 'serverCpuUsPerDelivery', label: 'server CPU µs/delivery', ratios: true },
      { metric: 'redisCpuUsPerDelivery', label: 'Redis CPU µs/delivery' },
      { metric: 'serverLoopP99Ms', label: 'server event-loop p99 ms' },
      CLIENT_CPU,
      OTHER_CPU,
    ],
  },
  reconnect: {
    title: '(i) Reconnect storm: instance A killed (SIGKILL), its clients back on B with the SDK backoff',
    columns: [
      { metric: 'clients', label: 'clients' },
      { metric: 'dropped', label: 'dropped' },
      { metric: 'back', label: 'back' },
      { metric: 'detectMs', label: 'first drop ms' },
      { metric: 'back95Ms', label: '95 % back ms' },
      { metric: 'back100Ms', label: '100 % back ms' },
      { metric: 'failedAttempts', label: 'failed attempts' },
      { metric: 'serverCpuUsPerReconnect', label: 'B CPU µs/reconnect' },
      { metric: 'serverLoopP99Ms', label: 'B event-loop p99 ms' },
    ],
  },
  'idle-max': {
    title: "(j) Idle connections at this machine's file limit (one fresh process per server)",
    columns: [
      { metric: 'connections', label: 'connections' },
      { metric: 'serverFileLimit', label: 'server file limit' },
      { metric: 'loadgenFileLimit', label: 'load generator file limit' },
      { metric: 'rssPerConnKB', label: 'RSS KB/conn', ratios: true },
      { metric: 'heapPerConnKB', label: 'heap KB/conn', ratios: true },
      { metric: 'rssMB', label: 'RSS MB' },
      { metric: 'failed', label: 'failed' },
      { metric: 'openPerS', label: 'opened/s' },
    ],
  },
  'redis-rtt': {
    title: '(k) Ticket handshake with Redis behind a delaying TCP proxy (c = concurrency)',
    columns: [
      { metric: 'ratePerS', label: 'handshakes/s' },
      P50,
      P99,
      { metric: 'serverCpuUsPerOp', label: 'server CPU µs/handshake' },
      { metric: 'redisCpuUsPerOp', label: 'Redis CPU µs' },
      { metric: 'errors', label: 'errors' },
      OTHER_CPU,
    ],
  },
  loop: {
    title: '(l) Event loop at 1 msg/s per connection, production-default message limits',
    columns: [
      { metric: 'connections', label: 'connections' },
      { metric: 'eventLoopP99Ms', label: 'event-loop p99 ms' },
      { metric: 'eventLoopMaxMs', label: 'event-loop max ms' },
      { metric: 'replyP99Ms', label: 'reply p99 ms' },
      { metric: 'serverCpuUsPerMsg', label: 'server CPU µs/msg' },
      { metric: 'redisCpuUsPerMsg', label: 'Redis CPU µs/msg' },
      { metric: 'lost', label: 'lost' },
      OTHER_CPU,
    ],
  },
}

/** Formats a figure for a table: 3 significant digits, thousands grouped, `–` for none. */
export function fmt(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  const abs = Math.abs(value)
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US')
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  return value.toPrecision(3).replace(/\.?0+$/, '') || '0'
}

const ratioCell = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : `${v.toFixed(2)}×`
const label = (s: ServerName): string => LABELS[s]

/** A markdown table: a header row, its rule, then one line per row of cells. */
function table(head: string[], rows: string[][]): string[] {
  return [head, head.map(() => '---'), ...rows].map((cells, i) =>
    i === 1 ? `|${cells.join('|')}|` : `| ${cells.join(' | ')} |`,
  )
}

function scenarioTable(rows: Row[], scenario: string): string {
  const spec = COLUMNS[scenario]
  const mine = rows.filter((r) => r.scenario === scenario)
  if (!spec || mine.length === 0) return ''
  const head = ['case', 'server']
  for (const c of spec.columns) {
    head.push(c.label)
    if (c.ratios) head.push('× raw ws', '× Socket.IO')
  }
  const cells = mine.map((row) => {
    const out = [row.case, label(row.server)]
    for (const c of spec.columns) {
      out.push(fmt(row.metrics[c.metric]))
      if (c.ratios)
        out.push(ratioCell(row.ratios[c.metric]?.vsRaw), ratioCell(row.ratios[c.metric]?.vsSocketio))
    }
    return out
  })
  const lines = [`### ${spec.title}`, '', ...table(head, cells)]
  const notes = mine.flatMap((r) => r.notes.map((n) => `- ${r.case}, ${label(r.server)}: ${n}`))
  return [...lines, ...(notes.length ? ['', ...notes] : []), ''].join('\n')
}

function targetTable(report: BenchReport, issue: 8 | 14): string[] {
  const mine = report.targets.filter((t) => t.issue === issue)
  if (mine.length === 0) return []
  return [
    `### Targets (issue ${issue})`,
    '',
    ...table(
      ['target', 'value', 'result'],
      mine.map((t) => [
        t.target,
        fmt(t.value),
        `${t.pass === null ? 'not measured' : t.pass ? 'pass' : '**miss**'}${t.note ? ` (${t.note})` : ''}`,
      ]),
    ),
    '',
  ]
}

function controlsTable(report: BenchReport): string[] {
  const out: string[] = []
  if (report.controls.length) {
    out.push(
      '### (f) Cost of each control (one switched off at a time)',
      '',
      ...table(
        ['control', 'figure', 'with', 'without', 'cost'],
        report.controls.map((c) => [
          c.control,
          c.figure,
          fmt(c.with),
          fmt(c.without),
          c.costPct === null ? '–' : `${c.costPct.toFixed(1)} %`,
        ]),
      ),
      '',
      `Always on (no switch; limits set high so they are checked but never hit): ${report.alwaysOn.join('; ')}.`,
      '',
    )
  }
  return out
}

/** The whole report as markdown: machine, versions, targets, one table per scenario, control costs. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine
  const out: string[] = [
    `Run: ${report.startedAt}, \`${report.command}\` (${report.mode}, ${report.durationS.toFixed(0)} s, medians of ${String(report.settings.repeats)} interleaved repeat(s)).`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGB.toFixed(0)} GB, ${m.os}; load average ${m.loadavgStart.map((l) => l.toFixed(2)).join(' ')} at start, ${m.loadavgEnd.map((l) => l.toFixed(2)).join(' ')} at end.`,
    '',
    `Versions: ${Object.entries(report.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(' · ')}`,
    '',
    ...report.notes.map((n) => `> ${n}`),
    '',
    ...targetTable(report, 14),
    ...targetTable(report, 8),
  ]
  const scenarios = Object.keys(COLUMNS)
  // Issue 8's (a)–(e), then (f) derived from them, then the scenarios of issue 14.
  const after = scenarios.indexOf('revocation') + 1
  for (const scenario of scenarios.slice(0, after)) out.push(scenarioTable(report.rows, scenario))
  out.push(...controlsTable(report))
  for (const scenario of scenarios.slice(after)) out.push(scenarioTable(report.rows, scenario))
  if (report.skipped.length) out.push('### Not measured', '', ...report.skipped.map((s) => `- ${s}`), '')
  return out.join('\n')
}
