import type { FaultEvent } from './faults.ts'
import type { LedgerFigures } from './ledger.ts'
import type { LogFindings } from './logs.ts'
import { LEAK_HEAP_MB_PER_MIN, MIN_TREND_MIN, type MemoryFigures } from './memory.ts'
import type { SoakOptions } from './options.ts'
import type { SoakPlan } from './schedule.ts'

/** One pass/fail line of the report; `pass: null` = not measurable in this run (too short). */
export interface Check {
  id: 'revocations' | 'reconnects' | 'messages' | 'storm' | 'memory' | 'logs'
  title: string
  pass: boolean | null
  detail: string
}

/** The JSON a soak run writes (`soak-<time>.json`, `docs/reliability/latest.json`). Times in the run are seconds. */
export interface SoakReport {
  schema: 'portcullis-soak/1'
  mode: 'quick' | 'full'
  startedAt: string
  durationS: number
  command: string
  machine: { cpuModel: string; cpus: number; memoryGB: number; os: string }
  settings: Omit<SoakOptions, 'outDir'> & { outDir?: undefined }
  /** The realtime settings that differ from the defaults, and why (docs/reliability.md). */
  limits: Record<string, string>
  plan: SoakPlan
  /** Faults as injected; `at`, `backAt`, `repairedAt` are seconds from the start of the run. */
  faults: Array<
    Omit<FaultEvent, 'at' | 'backAt' | 'repairedAt'> & { at: number; backAt: number; repairedAt: number }
  >
  figures: LedgerFigures
  connections: number
  /** Sockets open after the run settled. */
  finalOpen: number
  /** Socket closes nobody asked for (faults), over the run. */
  unintendedCloses: number
  memory: MemoryFigures[]
  logs: Record<string, LogFindings & { stderr: string[] }>
  /** Client-side counters (refusal statuses, failed refreshes during the api restart, …). */
  counts: Record<string, number>
  /** Open sockets over time (every second), total and per realtime instance. */
  timeline: Array<{ s: number; open: number; perInstance: number[] }>
  memoryTimeline: Record<string, Array<{ s: number; rssMB: number; heapMB: number; gc: boolean }>>
  /** Event-loop delay p99 of the soak's own client process, ms: high means the clients, not the servers, lagged. */
  clientLoopP99Ms: number
  /** Faults the harness could not inject (a broken run, not a platform failure). */
  faultErrors: string[]
  checks: Check[]
}

const fmt = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toFixed(digits) : '–')

/** The pass/fail checks of issue 13, computed from a finished report. */
export function checks(r: SoakReport): Check[] {
  const { revocations, messages, reconnects } = r.figures
  const notBack = reconnects.reduce((n, f) => n + f.notBack, 0)
  const outside = messages.lost - messages.lostInRedisFaults
  const refusals = (reason: string): number =>
    Object.values(r.logs).reduce((n, l) => n + (l.refusals[reason] ?? 0), 0)
  const storm = refusals('connect_rate') + refusals('user_connection_limit')
  const measured = r.memory.filter((m) => m.judged)
  const leaks = measured.filter((m) => m.leak)
  const logErrors = Object.entries(r.logs).flatMap(([name, l]) =>
    l.errorCount + l.stderr.length > 0 ? [name] : [],
  )
  return [
    {
      id: 'revocations',
      title: "no revocation lost (every revoked session's socket closed 4401 within 1 s)",
      pass: revocations.count > 0 && revocations.lost === 0,
      detail: `${revocations.count} revoked, ${revocations.lost} not closed in time; p50 ${fmt(revocations.latency.p50Ms)} ms, p99 ${fmt(revocations.latency.p99Ms)} ms, max ${fmt(revocations.latency.maxMs)} ms`,
    },
    {
      id: 'reconnects',
      title: 'every client reconnected after each fault, and all are connected at the end',
      pass: notBack === 0 && r.finalOpen === r.connections && r.faultErrors.length === 0,
      detail:
        `${r.finalOpen}/${r.connections} open at the end; ${notBack} affected clients never back` +
        (r.faultErrors.length ? `; faults not injected: ${r.faultErrors.join('; ')}` : ''),
    },
    {
      id: 'messages',
      title:
        'every acknowledged message delivered to every subscriber connected throughout (outside Redis failovers)',
      pass: messages.acked > 0 && outside === 0,
      detail: `${messages.acked} acknowledged, ${messages.expectedDeliveries} deliveries expected, ${outside} lost outside Redis fault windows, ${messages.lostInRedisFaults} lost inside them (pub/sub is at-most-once)`,
    },
    {
      id: 'storm',
      title: 'reconnect storms trip neither the per-IP connect rate nor the per-user cap',
      pass: storm === 0,
      detail: `${refusals('connect_rate')} connect-rate and ${refusals('user_connection_limit')} per-user-cap refusals`,
    },
    {
      id: 'memory',
      title: `no leak: heap after GC grows less than ${LEAK_HEAP_MB_PER_MIN} MB/min on every process`,
      pass: measured.length === 0 ? null : leaks.length === 0,
      detail:
        measured.length === 0
          ? `run too short to judge a trend (needs ${MIN_TREND_MIN} min of steady samples per process)`
          : measured.map((m) => `${m.process} ${fmt(m.heapMBPerMin, 2)} MB/min`).join(', '),
    },
    {
      id: 'logs',
      title: 'no error or unhandled failure in any log',
      pass: logErrors.length === 0,
      detail: logErrors.length === 0 ? 'none' : `errors in ${logErrors.join(', ')}`,
    },
  ]
}

const cell = (pass: boolean | null): string => (pass === null ? 'n/a' : pass ? '**pass**' : '**FAIL**')

/** The markdown report: the checks, the faults and what each did, messages, memory (docs/reliability.md). */
export function renderSoakMarkdown(r: SoakReport): string {
  const s = r.settings
  const lines = [
    `**${r.mode} run**, ${r.startedAt}, ${fmt(r.durationS)} s on ${r.machine.cpus} × ${r.machine.cpuModel} (${fmt(r.machine.memoryGB, 1)} GB); ` +
      `\`${r.command}\``,
    '',
    `${s.connections} connections (2 sessions per user, ${s.sourceIps} source addresses, ${s.rooms} channels) over ` +
      `${s.instances} realtime instances on a Redis Cluster of 3 masters + 3 replicas; ${s.publishPerS} publishes/s, ` +
      `${s.revokePerMin} revocations/min, ${s.reconnectPerMin} voluntary reconnects/min, refresh in-band before expiry.`,
    '',
    '| check | result | detail |',
    '|---|---|---|',
    ...r.checks.map((c) => `| ${c.title} | ${cell(c.pass)} | ${c.detail} |`),
    '',
    '| fault (s after start) | service back after | sockets it closed | back: 95 % / 100 % | never back | dead leases gone |',
    '|---|---|---|---|---|---|',
    ...r.faults.map((f, i) => {
      const rec = r.figures.reconnects[i]
      const back = rec && rec.affected > 0 ? `${fmt(rec.p95Ms)} ms / ${fmt(rec.allMs)} ms` : '–'
      const leases = f.leasesGoneMs === undefined ? '–' : `${fmt(f.leasesGoneMs / 1000, 1)} s`
      const service = f.backAt > f.at ? `${fmt((f.backAt - f.at) * 1000)} ms` : 'at once (the others serve)'
      return `| ${f.what} (${fmt(f.at, 1)}) | ${service} | ${rec?.affected ?? 0} | ${back} | ${rec?.notBack ?? 0} | ${leases} |`
    }),
    '',
    '| process | RSS trend MB/min | heap after GC MB/min | heap after GC, start → end MB | samples |',
    '|---|---|---|---|---|',
    ...r.memory.map(
      (m) =>
        `| ${m.process} | ${fmt(m.rssMBPerMin, 2)} | ${fmt(m.heapMBPerMin, 2)} | ${fmt(m.heapStartMB, 1)} → ${fmt(m.heapEndMB, 1)} | ${m.samples} |`,
    ),
    '',
    `Messages: ${r.figures.messages.acked} acknowledged, ${r.figures.messages.expectedDeliveries} deliveries expected to subscribers connected throughout, ` +
      `${r.figures.messages.lost} missing (${r.figures.messages.lostInRedisFaults} of them published during a Redis failover). ` +
      `Upgrade refusals by reason (server logs): ${refusalSummary(r)}. Client process event-loop p99: ${fmt(r.clientLoopP99Ms, 1)} ms.`,
    '',
  ]
  return lines.join('\n')
}

function refusalSummary(r: SoakReport): string {
  const total: Record<string, number> = {}
  for (const l of Object.values(r.logs))
    for (const [k, n] of Object.entries(l.refusals)) total[k] = (total[k] ?? 0) + n
  const parts = Object.entries(total).map(([k, n]) => `${k} ${n}`)
  return parts.length ? parts.join(', ') : 'none'
}
