import type { Report } from '../types.ts'
import { duration, evidenceLine } from './evidence.ts'

const ICON = { pass: '✅ pass', fail: '❌ fail', skip: '⏭️ skip' } as const
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** A Markdown report: target, summary table, then each case with its contract clause, references and evidence. */
export function renderMarkdown(r: Report): string {
  const s = r.summary
  const out = [
    '# Portcullis conformance report',
    '',
    `${r.tool.name} ${r.tool.version} · ${r.startedAt} · ${duration(r.durationMs)}`,
    '',
    `- api: \`${r.target.api}\``,
    `- ws: ${r.target.ws.map((w) => `\`${w}\``).join(', ')}`,
    `- origin: \`${r.target.origin}\` · profile: ${r.target.profile}`,
    `- client addresses: ${r.sources}`,
    ...r.blocks.map(
      (b) =>
        `- block: \`${b.caseId}\` from ${b.source}: ${b.what}${b.retryAfterS ? ` (Retry-After ${b.retryAfterS} s)` : ''}`,
    ),
    ...(r.pacedMs > 0
      ? [`- paced: cases waited ${duration(r.pacedMs)} in all to stay under the per-IP limits`]
      : []),
    '',
    `**${s.pass} passed, ${s.fail} failed, ${s.skip} skipped** (of ${s.total})`,
    '',
    '| verdict | case | what holds | reason |',
    '|---|---|---|---|',
    ...r.cases.map((c) => `| ${ICON[c.verdict]} | \`${c.id}\` | ${cell(c.name)} | ${cell(c.reason ?? '')} |`),
    '',
    '## Evidence',
  ]
  for (const c of r.cases) {
    out.push(
      '',
      `### ${ICON[c.verdict]} \`${c.id}\``,
      '',
      `${cell(c.name)} (${duration(c.durationMs)}${c.source ? `, from ${c.source}` : ''})`,
      '',
    )
    out.push(`- contract: ${cell(c.spec)}`, `- refs: ${c.refs.map(cell).join('; ')}`)
    if (c.reason) out.push(`- ${c.verdict === 'skip' ? 'skipped' : 'reason'}: ${cell(c.reason)}`)
    for (const e of c.evidence) out.push(`- ${cell(evidenceLine(e))}`)
  }
  return `${out.join('\n')}\n`
}
