import { trace } from '@opentelemetry/api'
import { parseSecurityFeedEntry, parseServerMessage, type SecurityFeedEntry } from '@portcullis/protocol'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import {
  attachSecurityFeed,
  loggerOptions,
  SecurityFeed,
  securityEvent,
  type SecurityFeedOptions,
  type SecurityFeedRules,
} from '../src/index.ts'
import { captureLogs, installTestTelemetry } from '../src/testing.ts'

installTestTelemetry()

const RULES: SecurityFeedRules = {
  'ws.upgrade.refused': { fields: ['reason', 'status', 'ip', 'origin', 'userId'] },
  'ws.closed': { fields: ['code', 'userId'], when: (f) => f.code === 4429 },
}

/** A feed on a controllable clock that keeps every frame it publishes. */
function feedWith(over: Partial<SecurityFeedOptions> = {}) {
  const clock = { now: 1_764_300_000_000 }
  const frames: string[] = []
  const feed = new SecurityFeed({
    source: 'realtime',
    rules: RULES,
    publish: async (frame) => void frames.push(frame),
    now: () => clock.now,
    ...over,
  })
  const entries = (): SecurityFeedEntry[] =>
    frames.map((frame) => {
      const parsed = parseServerMessage(frame)
      if (!parsed.ok || parsed.message.type !== 'message') throw new Error(`not a message: ${frame}`)
      const entry = parseSecurityFeedEntry(parsed.message)
      if (!entry) throw new Error(`not a feed entry: ${frame}`)
      return entry
    })
  return { feed, clock, frames, entries }
}

const SECRETS = ['eyJhbGciOiJFUzI1NiJ9.SECRET-JWT.sig', 'TICKET-SECRET', 'hunter2', 'the message body']

describe('SecurityFeed', () => {
  it('publishes allowlisted events as feed messages with allowlisted fields only: never a secret', () => {
    const { feed, frames, entries } = feedWith()
    feed.offer('ws.upgrade.refused', {
      reason: 'origin_not_allowed',
      status: 403,
      ip: '203.0.113.7',
      origin: 'https://evil.example',
      sessionId: 'not-in-this-rule',
      token: SECRETS[0],
      ticket: SECRETS[1],
      password: SECRETS[2],
      text: SECRETS[3],
      authorization: `Bearer ${SECRETS[0]}`,
    })
    feed.offer('ws.connected', { userId: 'u1' }) // not in the allowlist
    feed.offer('ws.closed', { code: 1000, userId: 'u1' }) // its rule wants 4429 only
    feed.offer('ws.closed', { code: 4429, userId: 'u2', closeReason: 'client text' })
    expect(entries()).toEqual([
      {
        event: 'ws.upgrade.refused',
        source: 'realtime',
        at: 1_764_300_000_000,
        reason: 'origin_not_allowed',
        status: 403,
        ip: '203.0.113.7',
        origin: 'https://evil.example',
      },
      { event: 'ws.closed', source: 'realtime', at: 1_764_300_000_000, code: 4429, userId: 'u2' },
    ])
    for (const secret of [...SECRETS, 'client text']) expect(frames.join('\n')).not.toContain(secret)
  })

  it('cuts long text to its bound and leaves out values of the wrong type', () => {
    const { feed, entries } = feedWith()
    feed.offer('ws.upgrade.refused', { origin: `https://${'a'.repeat(500)}`, status: 1.5, reason: '' })
    const [entry] = entries()
    expect(entry?.origin).toHaveLength(128)
    expect(entry).not.toHaveProperty('status')
    expect(entry).not.toHaveProperty('reason')
  })

  it('publishes at most `burst` at once and `ratePerS` after, and the next entry says how many it left out', () => {
    const { feed, clock, entries } = feedWith({ ratePerS: 2, burst: 3 })
    for (let i = 0; i < 10; i++) feed.offer('ws.upgrade.refused', { reason: `r${i}` })
    expect(entries().map((e) => e.reason)).toEqual(['r0', 'r1', 'r2'])
    expect(feed.dropped).toBe(7)
    clock.now += 500 // one token back
    feed.offer('ws.upgrade.refused', { reason: 'later' })
    feed.offer('ws.upgrade.refused', { reason: 'too soon' })
    clock.now += 500
    feed.offer('ws.upgrade.refused', { reason: 'next' })
    const [, , , later, next] = entries()
    expect(later).toMatchObject({ reason: 'later', dropped: 7 })
    expect(next).toMatchObject({ reason: 'next', dropped: 1 })
    expect(entries()).toHaveLength(5)
  })

  it('a failed publish goes to onError and never throws', async () => {
    const errors: unknown[] = []
    const { feed } = feedWith({
      publish: async () => {
        throw new Error('redis down')
      },
      onError: (err) => errors.push(err),
    })
    expect(() => feed.offer('ws.upgrade.refused', { reason: 'x' })).not.toThrow()
    await new Promise((r) => setImmediate(r))
    expect(errors).toEqual([new Error('redis down')])
  })

  it('publishes outside the trace of the refused request', () => {
    let recording: boolean | undefined
    const feed = new SecurityFeed({
      source: 'api',
      rules: RULES,
      publish: async () => {
        const span = trace.getTracer('t').startSpan('redis publish')
        recording = span.isRecording()
        span.end()
      },
    })
    trace.getTracer('t').startActiveSpan('request', (span) => {
      feed.offer('ws.upgrade.refused', {})
      span.end()
    })
    expect(recording).toBe(false)
  })
})

describe('attachSecurityFeed', () => {
  it('every securityEvent of the logger and its children reaches its feed; another logger keeps its own', () => {
    const a = feedWith()
    const b = feedWith()
    const logs = captureLogs()
    const appA = pino(loggerOptions({ level: 'warn' }), logs.stream)
    const appB = pino(loggerOptions({ level: 'warn' }), logs.stream)
    attachSecurityFeed(appA, a.feed)
    attachSecurityFeed(appB, b.feed)
    const request = appA.child({ reqId: 1 }).child({ deeper: true })
    // Level `warn` keeps info lines out of the log, not out of the feed.
    securityEvent(request, 'ws.upgrade.refused', { reason: 'from_a', ip: '10.0.0.1' })
    securityEvent(appB, 'ws.upgrade.refused', { reason: 'from_b', level: 'warn' })
    expect(a.entries().map((e) => e.reason)).toEqual(['from_a'])
    expect(b.entries().map((e) => e.reason)).toEqual(['from_b'])
    expect(logs.lines().map((l) => l.reason)).toEqual(['from_b'])
  })

  it('a rule that throws costs its entry, never the log line', () => {
    const { feed, frames } = feedWith({
      rules: {
        'ws.closed': {
          fields: ['code'],
          when: () => {
            throw new Error('bad rule')
          },
        },
      },
    })
    const logs = captureLogs()
    const log = pino(loggerOptions({ level: 'info' }), logs.stream)
    attachSecurityFeed(log, feed)
    securityEvent(log, 'ws.closed', { code: 4429 })
    expect(frames).toEqual([])
    expect(logs.lines().map((l) => l.msg)).toEqual(['ws.closed', 'security feed: event left out'])
  })
})
