import type { Measurement } from '../context.ts'
import type { ServerName } from '../targets.ts'
import { median } from '../stats.ts'

/** A figure's ratio to the same figure of raw ws and of Socket.IO (null when there is no reference). */
export interface Ratio {
  vsRaw: number | null
  vsSocketio: number | null
}

/** The median of a (scenario, case, server)'s repeats, with ratios. */
export interface Row {
  scenario: string
  case: string
  server: ServerName
  repeats: number
  metrics: Record<string, number>
  ratios: Record<string, Ratio>
  notes: string[]
}

/** Groups repeats into rows (medians) in first-seen order. */
export function toRows(measurements: Measurement[]): Row[] {
  const rows = new Map<string, { m: Measurement[] }>()
  for (const m of measurements) {
    const key = `${m.scenario}|${m.case}|${m.server}`
    const entry = rows.get(key) ?? { m: [] }
    entry.m.push(m)
    rows.set(key, entry)
  }
  const out: Row[] = []
  for (const { m } of rows.values()) {
    const first = m[0] as Measurement
    const metrics: Record<string, number> = {}
    for (const name of Object.keys(first.metrics))
      metrics[name] = median(m.map((x) => x.metrics[name] ?? Number.NaN))
    const notes = [...new Set(m.flatMap((x) => x.notes ?? []))]
    out.push({
      scenario: first.scenario,
      case: first.case,
      server: first.server,
      repeats: m.length,
      metrics,
      ratios: {},
      notes,
    })
  }
  for (const row of out) {
    for (const name of Object.keys(row.metrics)) {
      row.ratios[name] = {
        vsRaw: ratio(row, reference(out, row, 'raw-ws'), name),
        vsSocketio: ratio(row, reference(out, row, 'socketio'), name),
      }
    }
  }
  return out
}

/** The reference row: same scenario and case on `server`, else that server's `accept`/first case. */
export function reference(rows: Row[], row: Row, server: ServerName): Row | undefined {
  const same = rows.filter((r) => r.scenario === row.scenario && r.server === server)
  return same.find((r) => r.case === row.case) ?? same.find((r) => r.case === 'accept') ?? same[0]
}

function ratio(row: Row, ref: Row | undefined, name: string): number | null {
  const a = row.metrics[name]
  const b = ref?.metrics[name]
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null
  return a / b
}

/** The row for a scenario/case/server, if measured. */
export function find(rows: Row[], scenario: string, c: string, server: ServerName): Row | undefined {
  return rows.find((r) => r.scenario === scenario && r.case === c && r.server === server)
}
