import type { SoakReport } from './report.ts'

const COLORS = ['#2e7d32', '#6c8ebf', '#d79b00', '#8e24aa', '#00838f', '#c62828']
const FAULT_COLOR = '#c62828'

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

interface Series {
  label: string
  color: string
  points: Array<[number, number]>
}

/** One line panel: series over time (s), a y axis from 0, fault markers as dashed red lines. */
function panel(o: {
  title: string
  unit: string
  series: Series[]
  faults: SoakReport['faults']
  top: number
  left: number
  width: number
  height: number
  maxS: number
}): string[] {
  const maxY = Math.max(1, ...o.series.flatMap((s) => s.points.map(([, y]) => y))) * 1.1
  const x = (s: number): number => o.left + (s / o.maxS) * o.width
  const y = (v: number): number => o.top + o.height - (v / maxY) * o.height
  const parts = [
    `<text x="${o.left}" y="${o.top - 8}" class="t">${escape(o.title)}</text>`,
    `<rect x="${o.left}" y="${o.top}" width="${o.width}" height="${o.height}" fill="none" stroke="#ccc"/>`,
    `<text x="${o.left - 4}" y="${o.top + 10}" class="a" text-anchor="end">${Math.round(maxY)}</text>`,
    `<text x="${o.left - 4}" y="${o.top + o.height}" class="a" text-anchor="end">0</text>`,
    `<text x="${o.left + o.width}" y="${o.top + o.height + 14}" class="a" text-anchor="end">${Math.round(o.maxS)} s</text>`,
    `<text x="${o.left - 4}" y="${o.top + o.height / 2}" class="a" text-anchor="end">${escape(o.unit)}</text>`,
  ]
  for (const f of o.faults) {
    const fx = x(f.at).toFixed(1)
    parts.push(
      `<line x1="${fx}" y1="${o.top}" x2="${fx}" y2="${o.top + o.height}" stroke="${FAULT_COLOR}" stroke-dasharray="4 3"/>`,
      `<text x="${(x(f.at) + 3).toFixed(1)}" y="${o.top + 11}" class="f">${escape(f.kind)}</text>`,
    )
  }
  o.series.forEach((s, i) => {
    if (s.points.length === 0) return
    const d = s.points.map(([t, v], j) => `${j ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('')
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`)
    parts.push(
      `<text x="${o.left + o.width + 8}" y="${o.top + 12 + i * 14}" class="v" fill="${s.color}">${escape(s.label)}</text>`,
    )
  })
  return parts
}

/**
 * The soak chart: open sockets over time (all, and per realtime instance) and each process's heap, with the
 * faults marked. Plain SVG, no dependencies, generated from the JSON (like the benchmark's).
 */
export function renderSoakSvg(r: SoakReport): string {
  const maxS = Math.max(
    1,
    ...r.timeline.map((p) => p.s),
    ...Object.values(r.memoryTimeline).flatMap((samples) => samples.map((m) => m.s)),
  )
  const instances = r.timeline[0]?.perInstance.length ?? 0
  const sockets: Series[] = [
    { label: 'open sockets', color: '#333', points: r.timeline.map((p) => [p.s, p.open]) },
    ...Array.from({ length: instances }, (_, i) => ({
      label: `realtime-${i + 1}`,
      color: COLORS[i % COLORS.length]!,
      points: r.timeline.map((p) => [p.s, p.perInstance[i] ?? 0] as [number, number]),
    })),
  ]
  const heap: Series[] = Object.entries(r.memoryTimeline).map(([name, samples], i) => ({
    label: `${name} heap`,
    color: COLORS[i % COLORS.length]!,
    points: samples.filter((m) => m.gc).map((m) => [m.s, m.heapMB]),
  }))
  const left = 60
  const width = 640
  const height = 180
  const parts = [
    ...panel({
      title: 'Open sockets (faults dashed)',
      unit: 'sockets',
      series: sockets,
      faults: r.faults,
      top: 60,
      left,
      width,
      height,
      maxS,
    }),
    ...panel({
      title: 'Heap after GC per process',
      unit: 'MB',
      series: heap,
      faults: r.faults,
      top: 60 + height + 50,
      left,
      width,
      height,
      maxS,
    }),
  ]
  const total = 60 + 2 * height + 50 + 30
  const full = left + width + 150
  const passed = r.checks.filter((c) => c.pass === true).length
  const judged = r.checks.filter((c) => c.pass !== null).length
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${full}" height="${total}" viewBox="0 0 ${full} ${total}" font-family="sans-serif">`,
    '<style>.t{font-size:13px;font-weight:bold}.v{font-size:11px}.a{font-size:10px;fill:#555}.f{font-size:10px;fill:#c62828}.h{font-size:15px;font-weight:bold}.l{font-size:11px;fill:#555}</style>',
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="${left}" y="20" class="h">Portcullis soak: ${r.connections} connections, faults injected</text>`,
    `<text x="${left}" y="38" class="l">${escape(`${r.mode} run ${r.startedAt} · ${passed}/${judged} checks passed${judged < r.checks.length ? ` (${r.checks.length - judged} not measurable in this run)` : ''}`)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
