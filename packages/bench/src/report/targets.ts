import type { BenchOptions } from '../options.ts'
import { find, type Row } from './model.ts'

/** One target of issue 8 or 14, judged from this run's medians. `pass` is null when a figure was not measured. */
export interface TargetResult {
  /** The issue that set the target (the report has one table per issue). */
  issue: 8 | 14
  id: string
  target: string
  value: number | null
  threshold: number
  pass: boolean | null
  note?: string
}

type Cmp = '>=' | '<='

/** Evaluates every target of issues 8 and 14 against this run; reported, never asserted. */
export function evaluateTargets(rows: Row[], options: BenchOptions): TargetResult[] {
  return [...issue8(rows, options), ...issue14(rows, options)]
}

/** `add(id, target, value, cmp, threshold, note?)` appending a judged target of `issue` to `out`. */
function adder(out: TargetResult[], issue: TargetResult['issue']) {
  return (
    id: string,
    target: string,
    value: number | null | undefined,
    cmp: Cmp,
    threshold: number,
    note?: string,
  ): void => {
    const v = value === undefined || value === null || !Number.isFinite(value) ? null : value
    const pass = v === null ? null : cmp === '>=' ? v >= threshold : v <= threshold
    out.push({
      issue,
      id,
      target: `${target} ${cmp} ${threshold}`,
      value: v,
      threshold,
      pass,
      ...(note ? { note } : {}),
    })
  }
}

const metricOf =
  (rows: Row[]) => (scenario: string, c: string, server: Parameters<typeof find>[3], name: string) =>
    find(rows, scenario, c, server)?.metrics[name]
const ratioOf = (rows: Row[]) => (scenario: string, c: string, name: string, vs: 'vsRaw' | 'vsSocketio') =>
  find(rows, scenario, c, 'portcullis')?.ratios[name]?.[vs]
/** a / b when both were measured. */
const over = (a: number | undefined, b: number | undefined): number | null =>
  a !== undefined && b !== undefined ? a / b : null

function issue8(rows: Row[], options: BenchOptions): TargetResult[] {
  const out: TargetResult[] = []
  const add = adder(out, 8)
  const metric = metricOf(rows)
  const r = ratioOf(rows)

  for (const c of ['100x8', '1000x1']) {
    add(
      `echo-${c}-vs-raw`,
      `echo ${c}: Portcullis / raw ws round trips/s`,
      r('echo', c, 'ratePerS', 'vsRaw'),
      '>=',
      0.7,
    )
    add(
      `echo-${c}-vs-socketio`,
      `echo ${c}: Portcullis / Socket.IO round trips/s`,
      r('echo', c, 'ratePerS', 'vsSocketio'),
      '>=',
      1.3,
    )
    add(
      `echo-${c}-cpu`,
      `echo ${c}: server CPU per message, Portcullis / raw ws`,
      r('echo', c, 'serverCpuUsPerMsg', 'vsRaw'),
      '<=',
      1.5,
    )
  }
  add(
    'handshake-vs-raw',
    'handshakes/s: Portcullis ticket / raw ws unauthenticated',
    r('handshake', 'accept', 'ratePerS', 'vsRaw'),
    '>=',
    0.45,
  )
  add(
    'handshake-vs-socketio',
    'handshakes/s: Portcullis ticket / Socket.IO + JWT',
    r('handshake', 'accept', 'ratePerS', 'vsSocketio'),
    '>=',
    1.5,
  )
  const rejectCpu = metric('handshake', 'reject', 'portcullis', 'serverCpuUsPerOp')
  const acceptCpu = metric('handshake', 'accept-bearer', 'portcullis', 'serverCpuUsPerOp')
  add(
    'handshake-reject-cost',
    'server CPU of a rejected / an accepted bearer handshake',
    over(rejectCpu, acceptCpu),
    '<=',
    1,
  )

  const small =
    options.idleConns < 10_000 ? `measured at ${options.idleConns} connections, not 10 000` : undefined
  const idle = `${options.idleConns}conns`
  add(
    'idle-rss-vs-raw',
    'RSS per idle authenticated connection, Portcullis / raw ws',
    r('idle', idle, 'rssPerConnKB', 'vsRaw'),
    '<=',
    1.5,
    small,
  )
  add(
    'idle-no-leak',
    `RSS growth over ${options.idleCycles} × ${options.idleConns} connect/disconnect cycles (after the first close), %`,
    metric('idle', idle, 'portcullis', 'rssGrowthAfterCyclesPct'),
    '<=',
    5,
    small,
  )
  add(
    'event-loop-p99',
    'event-loop delay p99 (ms), every connection sending 1 msg/s',
    metric('idle', idle, 'portcullis', 'eventLoopP99Ms'),
    '<=',
    20,
    small,
  )

  for (const [mode, limit] of [
    ['idle', 20],
    ['load', 100],
  ] as const) {
    const row = find(rows, 'revocation', mode, 'portcullis')
    const all = row ? row.metrics.notClosed === 0 : null
    add(`revocation-${mode}-p99`, `revocation → close p99 (ms), ${mode}`, row?.metrics.p99Ms, '<=', limit)
    out.push({
      issue: 8,
      id: `revocation-${mode}-all-closed`,
      target: `every revoked session closed (${mode})`,
      value: row ? (row.metrics.notClosed ?? null) : null,
      threshold: 0,
      pass: all,
    })
  }
  const traced = metric('echo', '100x8', 'portcullis', 'ratePerS')
  const untraced = metric('echo', '100x8', 'portcullis-notrace', 'ratePerS')
  add(
    'tracing-cost',
    'throughput lost to tracing at the default sampler (echo 100x8), %',
    traced !== undefined && untraced !== undefined ? (1 - traced / untraced) * 100 : null,
    '<=',
    15,
  )
  return out
}

/** Issue 14: server CPU per operation against what teams would otherwise pick, from the same run. */
function issue14(rows: Row[], options: BenchOptions): TargetResult[] {
  const out: TargetResult[] = []
  const add = adder(out, 14)
  const metric = metricOf(rows)
  const r = ratioOf(rows)
  const cpu = 'serverCpuUsPerOp'
  add(
    'i14-ticket-cpu',
    'ticket handshake server CPU, Portcullis / Socket.IO + JWT',
    r('handshake', 'accept', cpu, 'vsSocketio'),
    '<=',
    0.75,
  )
  add(
    'i14-bearer-cpu',
    'bearer handshake server CPU, Portcullis / Socket.IO + JWT',
    r('handshake', 'accept-bearer', cpu, 'vsSocketio'),
    '<=',
    1,
  )
  const handshakeCpu = (c: string, server: Parameters<typeof metric>[2] = 'portcullis') =>
    metric('handshake', c, server, cpu)
  for (const [kind, rejected, accepted, why] of [
    ['ticket', 'reject-ticket', 'accept', 'never issued'],
    ['bearer', 'reject', 'accept-bearer', 'bad signature'],
  ] as const) {
    add(
      `i14-reject-${kind}-cpu`,
      `server CPU of a rejected (${why}) / an accepted ${kind} handshake`,
      over(handshakeCpu(rejected), handshakeCpu(accepted)),
      '<=',
      1,
    )
  }
  for (const c of ['100x8', '1000x1']) {
    add(
      `i14-echo-${c}-cpu`,
      `echo ${c}: server CPU per message, Portcullis / raw ws`,
      r('echo', c, 'serverCpuUsPerMsg', 'vsRaw'),
      '<=',
      1.25,
    )
  }
  for (const c of ['100x8', '1000x1']) {
    const traced = metric('echo', c, 'portcullis', 'ratePerS')
    const untraced = metric('echo', c, 'portcullis-notrace', 'ratePerS')
    const lost = over(traced, untraced)
    add(
      `i14-tracing-echo-${c}`,
      `echo ${c} throughput lost to tracing at the default sampler, %`,
      lost === null ? null : (1 - lost) * 100,
      '<=',
      5,
    )
  }
  const gained = over(handshakeCpu('accept'), handshakeCpu('accept', 'portcullis-notrace'))
  add(
    'i14-tracing-handshake',
    'ticket handshake server CPU added by tracing at the default sampler, %',
    gained === null ? null : (gained - 1) * 100,
    '<=',
    10,
  )
  const idle = `${options.idleConns}conns`
  const notes = [
    options.idleConns < 10_000 ? `${options.idleConns} connections, not 10 000` : '',
    options.idleProcesses < 3 ? `median of ${options.idleProcesses} process(es), not 3` : '',
  ].filter(Boolean)
  const memoryNote = notes.length ? notes.join('; ') : undefined
  add(
    'i14-idle-rss',
    'RSS per idle authenticated connection, Portcullis / raw ws',
    r('idle', idle, 'rssPerConnKB', 'vsRaw'),
    '<=',
    1.5,
    memoryNote,
  )
  add(
    'i14-idle-heap',
    'heap per idle authenticated connection, Portcullis / raw ws',
    r('idle', idle, 'heapPerConnKB', 'vsRaw'),
    '<=',
    2,
    memoryNote,
  )
  add(
    'i14-loop-p99',
    'event-loop delay p99 (ms), every connection sending 1 msg/s, production-default limits',
    metric('loop', `${idle}-production-limits`, 'portcullis', 'eventLoopP99Ms'),
    '<=',
    20,
    options.idleConns < 10_000 ? `${options.idleConns} connections, not 10 000` : undefined,
  )
  return out
}
