import type { Evidence } from '../types.ts'

/** One evidence item as a line: `step: 401 · close 4401 session_revoked · detail · 12 ms`. */
export function evidenceLine(e: Evidence): string {
  const parts: string[] = []
  if (e.status !== undefined) parts.push(String(e.status))
  if (e.closeCode !== undefined) parts.push(`close ${e.closeCode}${e.closeReason ? ` ${e.closeReason}` : ''}`)
  if (e.detail) parts.push(e.detail)
  if (e.latencyMs !== undefined) parts.push(`${e.latencyMs} ms`)
  return `${e.step}: ${parts.join(' · ') || '—'}`
}

/** `1.2 s` / `850 ms`. */
export function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`
}
