import type { SecretRegistry } from '../secrets.ts'
import type { Report } from '../types.ts'
import { renderJunit } from './junit.ts'
import { renderMarkdown } from './markdown.ts'
import { renderText } from './text.ts'

export const REPORT_FORMATS = ['text', 'json', 'junit', 'md'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

/**
 * The report in `format`, scrubbed of every registered credential and credential-shaped string: first the report's
 * strings (before any escaping could hide one), then the rendered text, the last line of defence before bytes
 * leave the process.
 * @example writeFileSync('conformance.xml', renderReport(report, 'junit', secrets))
 */
export function renderReport(raw: Report, format: ReportFormat, secrets: SecretRegistry): string {
  const report = secrets.scrubDeep(raw)
  const text =
    format === 'json'
      ? `${JSON.stringify(report, null, 2)}\n`
      : format === 'junit'
        ? renderJunit(report)
        : format === 'md'
          ? renderMarkdown(report)
          : renderText(report)
  return secrets.scrub(text)
}
