/**
 * `node src/profile-summary.ts <file.cpuprofile> [top]` — the hottest functions of a V8 CPU profile by self time,
 * with file:line (1-based), then the same time attributed to the nearest workspace frame up each stack (the
 * line of our code that caused it, e.g. which call ends in `writev`), so a missed target can be traced to code.
 * `pnpm bench --profile` writes the profiles of the Portcullis instances (run from source, so lines match
 * apps/realtime/src).
 */
import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** One aggregated hotspot: self time in ms and as a share of all samples. */
export interface Hotspot {
  fn: string
  where: string
  selfMs: number
  pct: number
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** True for a frame in this repository's own code (apps/*, packages/*), not node_modules or Node internals. */
function isWorkspace(url: string): boolean {
  return url.startsWith('file://') && !url.includes('/node_modules/') && /\/(apps|packages)\//.test(url)
}

/**
 * Aggregates self time by function and location; idle and GC frames included (they are part of the story).
 * With `attribute`, each sample is charged to the nearest workspace frame up its stack instead.
 */
export function hotspots(profile: Profile, top = 25, attribute = false): Hotspot[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const owner = (id: number): ProfileNode | undefined => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)
      if (node && isWorkspace(node.callFrame.url)) return node
    }
    return byId.get(id)
  }
  const self = new Map<string, { fn: string; where: string; us: number }>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    total += dt
    const frame = (attribute ? owner(id) : byId.get(id))?.callFrame
    if (!frame) return
    const file = frame.url.startsWith('file://') ? relative(ROOT, fileURLToPath(frame.url)) : frame.url
    const where = file ? `${file}:${frame.lineNumber + 1}` : '(native)'
    const fn = frame.functionName || '(anonymous)'
    const key = `${fn}@${where}`
    const entry = self.get(key) ?? { fn, where, us: 0 }
    entry.us += dt
    self.set(key, entry)
  })
  return [...self.values()]
    .toSorted((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ fn: e.fn, where: e.where, selfMs: e.us / 1000, pct: total ? (e.us / total) * 100 : 0 }))
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Piped into `head`: a closed stdout is the reader's choice, not an error.
  process.stdout.on('error', () => process.exit(0))
  const [file, top] = process.argv.slice(2)
  if (!file) {
    console.error('usage: node src/profile-summary.ts <file.cpuprofile> [top]')
    process.exit(2)
  }
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile
  const print = (title: string, list: Hotspot[]): void => {
    process.stdout.write(`${title}\n`)
    for (const h of list) {
      process.stdout.write(
        `${h.pct.toFixed(1).padStart(5)} %  ${h.selfMs.toFixed(0).padStart(7)} ms  ${h.fn}  ${h.where}\n`,
      )
    }
  }
  const n = Number(top ?? 25)
  print('self time by function:', hotspots(profile, n))
  print('\nself time charged to the nearest workspace frame up the stack:', hotspots(profile, n, true))
}
