import { GROUPS, type Report } from '../types.ts'
import { evidenceLine } from './evidence.ts'

const xml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!,
  )
/** XML 1.0 forbids most control characters even when escaped: each becomes `?`. */
const clean = (s: string): string =>
  xml([...s].map((ch) => (ch.charCodeAt(0) < 0x20 && !'\t\n\r'.includes(ch) ? '?' : ch)).join(''))
const seconds = (ms: number): string => (ms / 1000).toFixed(3)

/** JUnit XML: one `<testsuite>` per group, one `<testcase>` per case (CI systems read this). */
export function renderJunit(r: Report): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="portcullis-conformance" tests="${r.summary.total}" failures="${r.summary.fail}" skipped="${r.summary.skip}" time="${seconds(r.durationMs)}" timestamp="${r.startedAt}">`,
  ]
  for (const group of GROUPS) {
    const cases = r.cases.filter((c) => c.group === group)
    if (cases.length === 0) continue
    const fails = cases.filter((c) => c.verdict === 'fail').length
    const skips = cases.filter((c) => c.verdict === 'skip').length
    const time = cases.reduce((sum, c) => sum + c.durationMs, 0)
    out.push(
      `  <testsuite name="${group}" tests="${cases.length}" failures="${fails}" skipped="${skips}" time="${seconds(time)}">`,
    )
    for (const c of cases) {
      out.push(
        `    <testcase classname="conformance.${group}" name="${clean(`${c.id}: ${c.name}`)}" time="${seconds(c.durationMs)}">`,
      )
      const evidence = clean(c.evidence.map(evidenceLine).join('\n'))
      if (c.verdict === 'fail')
        out.push(`      <failure message="${clean(c.reason ?? 'failed')}">${evidence}</failure>`)
      if (c.verdict === 'skip') out.push(`      <skipped message="${clean(c.reason ?? 'skipped')}"/>`)
      out.push(
        `      <system-out>${clean(`contract: ${c.spec}\nrefs: ${c.refs.join('; ')}`)}${evidence ? `\n${evidence}` : ''}</system-out>`,
      )
      out.push('    </testcase>')
    }
    out.push('  </testsuite>')
  }
  out.push('</testsuites>')
  return `${out.join('\n')}\n`
}
