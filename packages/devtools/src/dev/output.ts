/**
 * The terminal side of `pnpm dev`: every line an app prints gets its service name in front; pino's JSON lines are
 * rendered by pino-pretty (time, level, message, then the fields). The apps themselves keep writing JSON — only
 * this development runner makes it readable, so tests and production see exactly what they always did.
 */
import type { Readable } from 'node:stream'
import { createInterface } from 'node:readline'
import { prettyFactory } from 'pino-pretty'

const COLORS = { api: 36, realtime: 35, web: 33, dev: 32 } as const

/** A writer of prefixed lines for one service. */
export type LineSink = (line: string) => void

/**
 * Formats lines of `name`: JSON log lines become `HH:MM:ss.l LEVEL: msg {fields}`, anything else (Vite, node --watch)
 * passes through. Colours only on a terminal.
 */
export function lineFormatter(name: keyof typeof COLORS, colorize: boolean): (line: string) => string {
  const pretty = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
    singleLine: true,
  })
  const label = colorize ? `\u001B[${COLORS[name]}m${name.padEnd(8)}\u001B[0m│ ` : `${name.padEnd(8)}│ `
  return (line) => {
    const json = line.startsWith('{') ? tryParse(line) : undefined
    const text = json ? pretty(json).trimEnd() : line
    return `${label}${text}`
  }
}

function tryParse(line: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(line) as unknown
    return typeof value === 'object' && value !== null && 'level' in value
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Pipes every line of `streams` through `format` to `write`. */
export function pipeLines(
  streams: Array<Readable | null>,
  format: (line: string) => string,
  write: LineSink,
): void {
  for (const stream of streams) {
    if (!stream) continue
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => write(format(line)))
  }
}
