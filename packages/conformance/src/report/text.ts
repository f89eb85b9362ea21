import type { CaseResult, Report } from '../types.ts'
import { duration, evidenceLine } from './evidence.ts'

const LABEL = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const

/** The first lines of a text report: tool, target, how addresses were chosen. */
export function textHeader(r: Pick<Report, 'tool' | 'target'> & { sources?: string }): string {
  const lines = [
    `${r.tool.name} ${r.tool.version}`,
    `target: api ${r.target.api} · ws ${r.target.ws.join(', ')} · origin ${r.target.origin} · profile ${r.target.profile}`,
  ]
  if (r.sources) lines.push(`client addresses: ${r.sources}`)
  return `${lines.join('\n')}\n\n`
}

/** One case: verdict, id, name, duration; then the reason and the evidence, indented. */
export function textCase(c: CaseResult): string {
  const lines = [`${LABEL[c.verdict]}  ${c.id}  ${c.name}  (${duration(c.durationMs)})`]
  if (c.reason) lines.push(`      ${c.verdict === 'skip' ? 'skipped' : 'reason'}: ${c.reason}`)
  for (const e of c.evidence) lines.push(`      ${evidenceLine(e)}`)
  return `${lines.join('\n')}\n`
}

/** Blocks triggered, pacing, and the one-line summary. */
export function textFooter(r: Report): string {
  const lines = ['', `client addresses: ${r.sources}`]
  for (const b of r.blocks)
    lines.push(
      `block: ${b.caseId} from ${b.source}: ${b.what}${b.retryAfterS ? ` (Retry-After ${b.retryAfterS} s)` : ''}`,
    )
  if (r.pacedMs > 0)
    lines.push(`paced: cases waited ${duration(r.pacedMs)} in all to stay under the per-IP limits`)
  const s = r.summary
  lines.push(
    `${s.pass} passed, ${s.fail} failed, ${s.skip} skipped (of ${s.total}) in ${duration(r.durationMs)}`,
  )
  return `${lines.join('\n')}\n`
}

/** The whole report as plain text (what the CLI streams to the terminal). */
export function renderText(r: Report): string {
  return textHeader(r) + r.cases.map(textCase).join('') + textFooter(r)
}
