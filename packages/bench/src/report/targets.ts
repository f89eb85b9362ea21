import type { BenchOptions } from '../options.ts'
import { find, type Row } from './model.ts'

/** One target of issue 8, judged from this run's medians. `pass` is null when a figure was not measured. */
export interface TargetResult {
  id: string
  target: string
  value: number | null
  threshold: number
  pass: boolean | null
  note?: string
}

type Cmp = '>=' | '<='

/** Evaluates every target of issue 8 that this run measured; reported, never asserted. */
export function evaluateTargets(rows: Row[], options: BenchOptions): TargetResult[] {
  const out: TargetResult[] = []
  const add = (
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
      id,
      target: `${target} ${cmp} ${threshold}`,
      value: v,
      threshold,
      pass,
      ...(note ? { note } : {}),
    })
  }
  const metric = (scenario: string, c: string, server: Parameters<typeof find>[3], name: string) =>
    find(rows, scenario, c, server)?.metrics[name]
  const r = (scenario: string, c: string, name: string, vs: 'vsRaw' | 'vsSocketio') =>
    find(rows, scenario, c, 'portcullis')?.ratios[name]?.[vs]

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
    rejectCpu !== undefined && acceptCpu !== undefined ? rejectCpu / acceptCpu : null,
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
