import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { toJson } from '../output.ts'
import { renderSoakMarkdown, type SoakReport } from './report.ts'
import { renderSoakSvg } from './svg.ts'

const DOCS = fileURLToPath(new URL('../../../../docs/', import.meta.url))
const START = '<!-- soak:results:start -->'
const END = '<!-- soak:results:end -->'

/** Writes `<outDir>/soak-<time>.{json,md,svg}`; returns the paths. */
export async function writeSoakResults(
  report: SoakReport,
  outDir: string,
): Promise<{ json: string; md: string; svg: string }> {
  await mkdir(outDir, { recursive: true })
  const stem = join(outDir, `soak-${report.startedAt.replace(/[:.]/g, '-')}`)
  const paths = { json: `${stem}.json`, md: `${stem}.md`, svg: `${stem}.svg` }
  await writeFile(paths.json, toJson(report))
  await writeFile(paths.md, renderSoakMarkdown(report))
  await writeFile(paths.svg, renderSoakSvg(report))
  return paths
}

/**
 * Publishes a run into the docs: `docs/reliability/latest.{json,svg}` and the table between the `soak:results`
 * markers of `docs/reliability.md` (the rest of that page is hand-written).
 */
export async function writeSoakDocs(report: SoakReport, docs = DOCS): Promise<void> {
  await mkdir(join(docs, 'reliability'), { recursive: true })
  await writeFile(join(docs, 'reliability/latest.json'), toJson(report))
  await writeFile(join(docs, 'reliability/latest.svg'), renderSoakSvg(report))
  const page = join(docs, 'reliability.md')
  const text = await readFile(page, 'utf8').catch(() => '')
  const block = `${START}\n${renderSoakMarkdown(report)}\n${END}`
  const at = text.indexOf(START)
  const end = text.indexOf(END)
  const next =
    at >= 0 && end > at ? text.slice(0, at) + block + text.slice(end + END.length) : `${text}\n${block}\n`
  await writeFile(page, next)
}
