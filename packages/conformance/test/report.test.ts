import { describe, expect, test } from 'vitest'
import { REDACTED, REPORT_FORMATS, renderReport, SecretRegistry, type Report } from '../src/index.ts'

// Credentials of every kind, planted where a careless case or server could put them.
const PASSWORD = 'correct horse "battery" staple'
const JWT = 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1X2FsaWNlIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ'
const REFRESH = 'i12lJR6Ypf9Tqr3kLmNoPq.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd'
const TICKET = 'T1ck3tT1ck3tT1ck3tT1ck3tT1ck3tT1ck3tT1ck3tX'
/** A JWT nobody registered (e.g. echoed by a server in an error message). */
const STRAY_JWT = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'

function plantedReport(): Report {
  return {
    tool: { name: '@portcullis/conformance', version: '0.0.0' },
    target: {
      api: 'https://api.example.test',
      ws: ['wss://rt.example.test/v1/ws'],
      origin: 'https://app.example.test',
      profile: 'production',
    },
    startedAt: '2026-12-03T00:00:00.000Z',
    durationMs: 1234,
    sources: `the OS's choice`,
    pacedMs: 0,
    blocks: [
      {
        caseId: 'limits.auth-failure-block',
        source: '192.0.2.1',
        what: `blocked after Bearer ${JWT}`,
        retryAfterS: 300,
      },
    ],
    summary: { total: 3, pass: 1, fail: 1, skip: 1 },
    cases: [
      {
        id: 'credentials.accepted',
        group: 'credentials',
        name: 'the bearer subprotocol entry holds',
        spec: 'contract › Credentials',
        refs: ['RFC 6750'],
        verdict: 'pass',
        evidence: [{ step: `GET /v1/ws?ticket=${TICKET}`, status: 101, latencyMs: 3 }],
        durationMs: 10,
      },
      {
        id: 'credentials.missing-or-invalid',
        group: 'credentials',
        name: 'refusals',
        spec: 'contract › Refusals',
        refs: ['RFC 6750'],
        verdict: 'fail',
        reason: `the server echoed {"password":"${PASSWORD}","refreshToken":"${REFRESH}"} and ${STRAY_JWT}`,
        evidence: [{ step: 'login', status: 200, detail: `Authorization: Bearer ${JWT} & <xml> "quotes"` }],
        durationMs: 20,
      },
      {
        id: 'lifetime.idle',
        group: 'lifetime',
        name: 'idle close',
        spec: 'contract › Close codes',
        refs: ['CWE-613'],
        verdict: 'skip',
        reason: `portcullis.bearer.${JWT} was offered; ?access_token=${TICKET}`,
        evidence: [],
        durationMs: 0,
      },
    ],
  }
}

function registry(): SecretRegistry {
  const secrets = new SecretRegistry()
  for (const s of [PASSWORD, JWT, REFRESH, TICKET]) secrets.add(s)
  return secrets
}

describe('redaction', () => {
  test.each(REPORT_FORMATS)(
    'the %s report holds no credential, registered or merely credential-shaped',
    (format) => {
      const text = renderReport(plantedReport(), format, registry())
      for (const secret of [PASSWORD, JWT, REFRESH, TICKET, STRAY_JWT, 'correct horse'])
        expect(text).not.toContain(secret)
      expect(text).toContain(REDACTED)
      // Prose that merely mentions a bearer entry is left alone.
      expect(text).toContain('the bearer subprotocol entry holds')
    },
  )

  test('registered secrets are scrubbed in their URL-encoded and JSON-escaped forms too', () => {
    const secrets = registry()
    const text = `${encodeURIComponent(PASSWORD)} ${JSON.stringify({ p: PASSWORD })}`
    expect(secrets.scrub(text)).not.toMatch(/horse/)
    expect(secrets.scrubDeep({ nested: [{ value: `x${TICKET}y` }] })).toEqual({
      nested: [{ value: `x${REDACTED}y` }],
    })
  })

  test('the scrub can fail: without it the planted credentials are there', () => {
    const raw = JSON.stringify(plantedReport())
    expect(raw).toContain(TICKET)
    expect(raw).toContain(STRAY_JWT)
  })

  test('too-short values are not registered (they would scrub ordinary words)', () => {
    const secrets = new SecretRegistry()
    secrets.add('abc')
    secrets.add('')
    secrets.add(undefined)
    expect(secrets.size).toBe(0)
    expect(secrets.scrub('abc')).toBe('abc')
  })
})

describe('report formats', () => {
  test('text: one block per case with verdict, id, reason and evidence; blocks and the summary at the end', () => {
    const text = renderReport(plantedReport(), 'text', registry())
    expect(text).toMatch(/^PASS {2}credentials\.accepted {2}/m)
    expect(text).toMatch(/^FAIL {2}credentials\.missing-or-invalid/m)
    expect(text).toMatch(/^ {6}reason: the server echoed/m)
    expect(text).toMatch(/^SKIP {2}lifetime\.idle/m)
    expect(text).toMatch(/^block: limits\.auth-failure-block from 192\.0\.2\.1: .*\(Retry-After 300 s\)$/m)
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed, 1 skipped (of 3) in 1.2 s')
  })

  test('junit: escaped XML with a suite per group, a failure and a skipped element', () => {
    const xml = renderReport(plantedReport(), 'junit', registry())
    expect(
      xml.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="portcullis-conformance" tests="3" failures="1" skipped="1"',
      ),
    ).toBe(true)
    expect(xml.match(/<testsuite /g)).toHaveLength(2)
    expect(xml).toMatch(
      /<testcase classname="conformance.credentials" name="credentials.missing-or-invalid: refusals" time="0.020">\s*<failure message="the server echoed/,
    )
    expect(xml).toMatch(/<skipped message="[^"]*"\/>/)
    expect(xml).toContain('&lt;xml&gt; &quot;quotes&quot;')
    expect(xml).not.toMatch(/<xml>/)
    // Balanced: every opened element is closed.
    for (const tag of ['testsuites', 'testsuite', 'testcase', 'system-out'])
      expect(xml.match(new RegExp(`<${tag}[ >]`, 'g'))?.length).toBe(
        xml.match(new RegExp(`</${tag}>`, 'g'))?.length,
      )
  })

  test('json: the report object, parseable', () => {
    const parsed = JSON.parse(renderReport(plantedReport(), 'json', registry())) as Report
    expect(parsed.summary).toEqual({ total: 3, pass: 1, fail: 1, skip: 1 })
    expect(parsed.cases.map((c) => c.verdict)).toEqual(['pass', 'fail', 'skip'])
  })

  test('md: a summary table row per case and an evidence section per case', () => {
    const md = renderReport(plantedReport(), 'md', registry())
    expect(md).toMatch(/^\*\*1 passed, 1 failed, 1 skipped\*\* \(of 3\)$/m)
    expect(md).toMatch(/^\| ❌ fail \| `credentials\.missing-or-invalid` \| refusals \| the server echoed/m)
    expect(md.match(/^### /gm)).toHaveLength(3)
  })
})
