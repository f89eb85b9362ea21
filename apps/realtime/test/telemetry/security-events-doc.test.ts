import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { AUTH_FAILURE_EVENTS, IP_BLOCK_EVENTS } from '@portcullis/telemetry'
import { describe, expect, it } from 'vitest'
import type { SecurityFeedRules } from '@portcullis/telemetry'
import { REALTIME_FEED_RULES } from '../../src/plugins/app/security-feed.ts'
import { REALTIME_EVENTS } from '../../src/security-events.ts'

// A repository-level contract (code ↔ docs), so it reads the api's vocabulary by path rather than through the
// api package's public exports (which only expose buildApp).
const root = new URL('../../../../', import.meta.url)
const { API_SECURITY_EVENTS } = (await import(new URL('apps/api/src/security-events.ts', root).href)) as {
  API_SECURITY_EVENTS: readonly string[]
}
const { API_FEED_RULES } = (await import(
  new URL('apps/api/src/plugins/app/security-feed.ts', root).href
)) as { API_FEED_RULES: SecurityFeedRules }
const doc = readFileSync(fileURLToPath(new URL('docs/reference/security-events.md', root)), 'utf8')

/** Event names in the first column of the tables under `## <section>`. */
function documented(section: string): string[] {
  const start = doc.indexOf(`\n## ${section}\n`)
  expect(start, `section "## ${section}" in security-events.md`).toBeGreaterThan(-1)
  const end = doc.indexOf('\n## ', start + 1)
  return [...doc.slice(start, end === -1 ? undefined : end).matchAll(/^\| `([a-z0-9_.]+)` \|/gm)].map(
    (m) => m[1]!,
  )
}

/** `<app> <event>: <fields>` for each rule of an allowlist, as the Live feed table writes them. */
const rules = (app: string, list: SecurityFeedRules): string[] =>
  Object.entries(list).map(([name, rule]) => `${app} ${name}: ${rule!.fields.join(', ')}`)

describe('security-event vocabulary', () => {
  it('documents exactly the api events', () => {
    expect(documented('api').toSorted()).toEqual([...API_SECURITY_EVENTS].toSorted())
  })

  it('documents exactly the realtime events', () => {
    expect(documented('realtime').toSorted()).toEqual([...REALTIME_EVENTS].toSorted())
  })

  it('maps only known events to metrics', () => {
    const known = new Set<string>([...API_SECURITY_EVENTS, ...REALTIME_EVENTS])
    for (const name of [...Object.keys(AUTH_FAILURE_EVENTS), ...IP_BLOCK_EVENTS])
      expect(known, name).toContain(name)
  })

  it('the Live feed table lists exactly the allowlists of both apps, with their fields', () => {
    const section = doc.slice(doc.indexOf('\n## Live feed\n'), doc.indexOf('\n## Reading them\n'))
    const rows = [...section.matchAll(/^\| (api|realtime) \| `([a-z0-9_.]+)` \| ([^|]*) \|/gm)].map(
      (m) => `${m[1]} ${m[2]}: ${m[3]!.trim()}`,
    )
    expect(rows.toSorted()).toEqual(
      [...rules('api', API_FEED_RULES), ...rules('realtime', REALTIME_FEED_RULES)].toSorted(),
    )
  })

  it('uses each name once per app', () => {
    expect(new Set(API_SECURITY_EVENTS).size).toBe(API_SECURITY_EVENTS.length)
    expect(new Set(REALTIME_EVENTS).size).toBe(REALTIME_EVENTS.length)
  })
})
