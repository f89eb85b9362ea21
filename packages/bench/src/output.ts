import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderMarkdown } from './report/markdown.ts'
import { renderSvg } from './report/svg.ts'
import type { BenchReport } from './report/types.ts'

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url))
const START = '<!-- bench:results:start -->'
const END = '<!-- bench:results:end -->'

/** JSON with NaN/Infinity written as null (JSON has no NaN). */
export function toJson(report: object): string {
  return `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`
}

/** Writes `<outDir>/bench-<time>.{json,md,svg}`; returns the paths. */
export async function writeResults(
  report: BenchReport,
  outDir: string,
): Promise<{ json: string; md: string; svg: string }> {
  await mkdir(outDir, { recursive: true })
  const stem = join(outDir, `bench-${report.startedAt.replace(/[:.]/g, '-')}`)
  const paths = { json: `${stem}.json`, md: `${stem}.md`, svg: `${stem}.svg` }
  await writeFile(paths.json, toJson(report))
  await writeFile(paths.md, renderMarkdown(report))
  await writeFile(paths.svg, renderSvg(report))
  return paths
}

/**
 * Publishes a run into the docs: `docs/benchmarks/latest.{json,svg}` and the tables between the
 * `bench:results` markers of `docs/benchmarks.md` (the rest of that page is hand-written).
 */
export async function writeDocs(report: BenchReport): Promise<void> {
  await mkdir(join(DOCS, 'benchmarks'), { recursive: true })
  await writeFile(join(DOCS, 'benchmarks/latest.json'), toJson(report))
  await writeFile(join(DOCS, 'benchmarks/latest.svg'), renderSvg(report))
  const page = join(DOCS, 'benchmarks.md')
  const text = await readFile(page, 'utf8').catch(() => '')
  const block = `${START}\n${renderMarkdown(report)}\n${END}`
  const at = text.indexOf(START)
  const end = text.indexOf(END)
  const next =
    at >= 0 && end > at ? text.slice(0, at) + block + text.slice(end + END.length) : `${text}\n${block}\n`
  await writeFile(page, next)
}
