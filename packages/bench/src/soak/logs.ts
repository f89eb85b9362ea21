/** What the soak found in one process's output. */
export interface LogFindings {
  /** Log lines at level error or fatal, and lines that are not JSON (a crash's stack trace): at most 20 kept. */
  errors: string[]
  errorCount: number
  /** `ws.upgrade.refused` events by reason (realtime). */
  refusals: Record<string, number>
  /** `store.unreachable` events (realtime: sockets closed 1013). */
  storeUnreachable: number
}

/** pino's numeric levels: 50 error, 60 fatal. */
const ERROR_LEVEL = 50
/** stderr lines Node prints that are not failures. */
const BENIGN_STDERR = [/ExperimentalWarning/, /--trace-warnings/, /^\s*$/]

/** Scans a process's stdout (JSON log lines, one per line). */
export function scanLog(text: string): LogFindings {
  const findings: LogFindings = { errors: [], errorCount: 0, refusals: {}, storeUnreachable: 0 }
  const flag = (line: string): void => {
    findings.errorCount += 1
    if (findings.errors.length < 20) findings.errors.push(line.slice(0, 500))
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    let entry: { level?: unknown; event?: unknown; reason?: unknown }
    try {
      entry = JSON.parse(line) as typeof entry
    } catch {
      flag(line)
      continue
    }
    if (typeof entry.level === 'number' && entry.level >= ERROR_LEVEL) flag(line)
    if (entry.event === 'ws.upgrade.refused' && typeof entry.reason === 'string')
      findings.refusals[entry.reason] = (findings.refusals[entry.reason] ?? 0) + 1
    if (entry.event === 'store.unreachable') findings.storeUnreachable += 1
  }
  return findings
}

/** The stderr lines that are failures (uncaught errors, unhandled rejections, anything but Node's notices). */
export function scanStderr(text: string): string[] {
  return text.split('\n').filter((line) => !BENIGN_STDERR.some((benign) => benign.test(line)))
}
