import { LABELS, type ServerName } from '../targets.ts'
import { find } from './model.ts'
import type { BenchReport } from './types.ts'

const COLORS: Record<ServerName, string> = {
  'raw-ws': '#888888',
  'fastify-ws': '#6c8ebf',
  socketio: '#d79b00',
  portcullis: '#2e7d32',
  'portcullis-notrace': '#81c784',
}

interface Group {
  title: string
  scenario: string
  case: string
  metric: string
  /** The target for Portcullis, drawn as a tick. */
  target?: number
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * A horizontal bar chart of each headline figure as a ratio to raw ws (the dashed line at 1×), one bar per
 * server, the target for Portcullis as a red tick. Plain SVG, no dependencies, generated from the JSON.
 */
export function renderSvg(report: BenchReport): string {
  const idleCase = report.rows.find((r) => r.scenario === 'idle')?.case ?? ''
  const fanCase = report.rows.find((r) => r.scenario === 'fanout')?.case ?? ''
  const groups: Group[] = [
    { title: 'echo 1 × 1, round trips/s', scenario: 'echo', case: '1x1', metric: 'ratePerS' },
    {
      title: 'echo 100 × 8, round trips/s',
      scenario: 'echo',
      case: '100x8',
      metric: 'ratePerS',
      target: 0.7,
    },
    {
      title: 'echo 1000 × 1, round trips/s',
      scenario: 'echo',
      case: '1000x1',
      metric: 'ratePerS',
      target: 0.7,
    },
    {
      title: 'handshakes/s (authenticated vs raw unauthenticated)',
      scenario: 'handshake',
      case: 'accept',
      metric: 'ratePerS',
      target: 0.45,
    },
    {
      title: `fan-out deliveries/s (${fanCase})`,
      scenario: 'fanout',
      case: fanCase,
      metric: 'deliveriesPerS',
    },
    {
      title: `RSS per idle connection (${idleCase}), lower is better`,
      scenario: 'idle',
      case: idleCase,
      metric: 'rssPerConnKB',
      target: 1.5,
    },
  ]
  const servers = (Object.keys(LABELS) as ServerName[]).filter((s) => s !== 'raw-ws' && report.servers[s])
  const bars = groups.map((g) =>
    servers
      .map((s) => ({
        server: s,
        value: find(report.rows, g.scenario, g.case, s)?.ratios[g.metric]?.vsRaw ?? null,
      }))
      .filter((b): b is { server: ServerName; value: number } => b.value !== null),
  )
  const max = Math.max(1.2, ...bars.flat().map((b) => b.value), ...groups.map((g) => g.target ?? 0)) * 1.1
  const left = 20
  const plot = 560
  const width = left + plot + 260
  const barH = 14
  const scale = (v: number): number => left + (v / max) * plot
  const parts: string[] = []
  let y = 56
  groups.forEach((g, i) => {
    const list = bars[i] ?? []
    if (list.length === 0) return
    parts.push(`<text x="${left}" y="${y}" class="t">${escape(g.title)}</text>`)
    y += 6
    const top = y
    // The target tick goes under the bars' labels (inserted here, its height known after the bars).
    const tickAt = parts.length
    for (const b of list) {
      const w = Math.max(1, scale(b.value) - left)
      parts.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[b.server]}"/>`,
      )
      parts.push(
        `<text x="${(left + w + 4).toFixed(1)}" y="${y + 11}" class="v">${b.value.toFixed(2)}× ${escape(LABELS[b.server])}</text>`,
      )
      y += barH + 3
    }
    if (g.target !== undefined) {
      const x = scale(g.target).toFixed(1)
      parts.splice(
        tickAt,
        0,
        `<line x1="${x}" y1="${top - 2}" x2="${x}" y2="${y}" stroke="#c62828" stroke-width="2"/>`,
      )
    }
    y += 18
  })
  const one = scale(1).toFixed(1)
  const legend = `ratio to raw ws (dashed line = 1×); red tick = issue 8 target for Portcullis · ${escape(report.mode)} run ${escape(report.startedAt)}`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" font-family="sans-serif">`,
    '<style>.t{font-size:13px;font-weight:bold}.v{font-size:11px}.h{font-size:15px;font-weight:bold}.l{font-size:11px;fill:#555}</style>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="20" class="h">Portcullis benchmark: what security costs</text>`,
    `<text x="${left}" y="38" class="l">${legend}</text>`,
    `<line x1="${one}" y1="44" x2="${one}" y2="${y}" stroke="#444" stroke-dasharray="4 3"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
