import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { WebSocketServer } from 'ws'
import { expectRefused } from '../src/cases/support.ts'
import { Pacer } from '../src/net/pacer.ts'
import {
  runConformance,
  SecretRegistry,
  type CaseContext,
  type ConformanceCase,
  type SourcePlan,
} from '../src/index.ts'

// The runner's own guarantees (phases, caps, time limits, verdicts, scrubbing), with made-up cases against a
// fake api and a fake WebSocket server on loopback.

const TICKET = 'fake-ticket-0123456789abcdefghijklmnopqrstuv'
let api: Server
let wss: WebSocketServer
let apiUrl = ''
let wsUrl = ''
let apiRequests = 0

beforeAll(async () => {
  api = createServer((req, res) => {
    if (req.url?.startsWith('/html/')) {
      const status = Number(req.url.slice(6))
      return void res
        .writeHead(status, { 'content-type': 'text/html', 'retry-after': '5' })
        .end('<h1>no</h1>')
    }
    if (req.url !== '/.well-known/jwks.json') apiRequests += 1
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ ticket: TICKET, expiresIn: 30 }))
  })
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
  apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}`
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((resolve) => wss.once('listening', resolve))
  wsUrl = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/v1/ws`
  // Not the protocol: the case that opens a socket here must fail for it.
  wss.on('connection', (socket) => socket.send('{"type":"bogus","answer":42}'))
})

afterAll(async () => {
  await new Promise((resolve) => api.close(resolve))
  await new Promise((resolve) => wss.close(resolve))
})

const PASSWORD = 'runner-test-password'
const options = (extra: object = {}) => ({
  api: apiUrl,
  ws: [wsUrl],
  origin: 'http://localhost:5173',
  user: { username: 'alice', password: PASSWORD },
  ...extra,
})
const OS: SourcePlan = { addressFor: () => undefined, description: 'os', perCase: false }

function fake(
  id: string,
  run: (ctx: CaseContext) => Promise<void>,
  extra: Partial<ConformanceCase> = {},
): ConformanceCase {
  return {
    id,
    group: id.split('.')[0] as ConformanceCase['group'],
    name: `fake ${id}`,
    spec: 'test',
    refs: ['test'],
    practices: [1],
    phase: 'main',
    budget: { requests: 5, frames: 5, timeoutMs: 5000 },
    sends: ['test'],
    run,
    ...extra,
  }
}

/** A case that expects `status` from a fake api route answering it with an HTML body. */
function htmlRefusal(status: number): ConformanceCase {
  return fake(`credentials.html-${status}`, async (ctx) =>
    expectRefused(ctx, await ctx.api('GET', `/html/${status}`), status, 'html'),
  )
}

describe('runConformance', () => {
  test('verdicts, reasons and evidence; main cases in turn, waiting ones side by side, blocking ones last', async () => {
    const log: string[] = []
    const sleeper = (name: string) => async (ctx: CaseContext) => {
      log.push(`${name} start`)
      await ctx.sleep(300)
      log.push(`${name} end`)
    }
    const cases = [
      fake('limits.block', async () => void log.push('blocking'), { phase: 'blocking' }),
      fake('lifetime.w1', sleeper('w1'), { phase: 'waiting' }),
      fake('transport.pass', async (ctx) => {
        log.push('pass')
        ctx.evidence({ step: 'looked', status: 200, latencyMs: 1 })
      }),
      fake('lifetime.w2', sleeper('w2'), { phase: 'waiting' }),
      fake('transport.fail', async (ctx) => ctx.fail('did not hold')),
      fake('transport.skip', async (ctx) => ctx.skip('not here')),
      fake('transport.crash', async () => {
        throw new Error(`boom with ${PASSWORD}`)
      }),
    ]
    const seen: string[] = []
    const report = await runConformance(options({ onResult: (r: { id: string }) => seen.push(r.id) }), {
      cases,
      sources: OS,
    })
    expect(log).toEqual(['pass', 'w1 start', 'w2 start', 'w1 end', 'w2 end', 'blocking'])
    expect(report.cases.map((c) => [c.id, c.verdict, c.reason])).toEqual([
      ['limits.block', 'pass', undefined],
      ['lifetime.w1', 'pass', undefined],
      ['transport.pass', 'pass', undefined],
      ['lifetime.w2', 'pass', undefined],
      ['transport.fail', 'fail', 'did not hold'],
      ['transport.skip', 'skip', 'not here'],
      ['transport.crash', 'fail', 'unexpected error: boom with [redacted]'],
    ])
    expect(report.cases[2]!.evidence).toEqual([{ step: 'looked', status: 200, latencyMs: 1 }])
    expect(report.summary).toEqual({ total: 7, pass: 4, fail: 2, skip: 1 })
    expect(seen).toHaveLength(7)
  })

  test('a case is stopped at its request cap: the request over it is never sent', async () => {
    apiRequests = 0
    const greedy = fake(
      'transport.greedy',
      async (ctx) => {
        for (let i = 0; i < 10; i++) await ctx.api('GET', '/anything')
      },
      { budget: { requests: 3, frames: 0, timeoutMs: 5000 } },
    )
    const report = await runConformance(options(), { cases: [greedy], sources: OS })
    expect(report.cases[0]!.reason).toBe('stopped at its cap of 3 requests (a suite bug, not a finding)')
    expect(apiRequests).toBe(3)
  })

  test('a case is stopped at its time limit', async () => {
    const slow = fake('transport.slow', (ctx) => ctx.sleep(10_000), {
      budget: { requests: 1, frames: 0, timeoutMs: 200 },
    })
    const report = await runConformance(options(), { cases: [slow], sources: OS })
    expect(report.cases[0]!.verdict).toBe('fail')
    expect(report.cases[0]!.reason).toBe('did not finish within 200 ms')
    expect(report.cases[0]!.durationMs).toBeLessThan(2000)
  })

  test('time spent pacing below the per-IP limits does not count against the time limit of a case', async () => {
    // One login a minute allowed: the second login waits for the pacer (a fake minute that takes 400 real ms).
    let now = 0
    const pacer = new Pacer(
      { connectPerMin: 60, authFailuresPerMin: 20, loginPerMin: 2 },
      {
        now: () => now,
        sleep: async (ms) => void (await new Promise((r) => setTimeout(r, 400)), (now += ms)),
      },
    )
    const patient = fake(
      'credentials.patient',
      async (ctx) => {
        await ctx.api('POST', '/v1/auth/login', { body: {} })
        await ctx.api('POST', '/v1/auth/login', { body: {} })
      },
      { budget: { requests: 2, frames: 0, timeoutMs: 250 } },
    )
    const report = await runConformance(options(), { cases: [patient], sources: OS, pacer })
    expect(report.cases[0]!.verdict).toBe('pass')
    expect(report.pacedMs).toBe(60_001)
  })

  test('a server frame outside the protocol fails the case that received it', async () => {
    const listen = fake('messages.listen', async (ctx) => {
      const outcome = await ctx.upgrade({ step: 'open' })
      const peer = ctx.expectOpen(outcome, 'open')
      await peer.next({ type: 'bogus' })
    })
    const report = await runConformance(options(), { cases: [listen], sources: OS })
    expect(report.cases[0]!.reason).toMatch(/^the server sent a frame outside the protocol \(unknown_type/)
  })

  test('credentials in api answers are registered by the HTTP layer and scrubbed from every result', async () => {
    const secrets = new SecretRegistry()
    const leaky = fake('credentials.leaky', async (ctx) => {
      const res = await ctx.api('POST', '/v1/auth/ws-ticket')
      ctx.fail(`the api said ${res.kind === 'response' ? res.body : ''}`)
    })
    const report = await runConformance(options({ secrets }), { cases: [leaky], sources: OS })
    expect(secrets.values()).toContain(TICKET)
    expect(secrets.values()).toContain(PASSWORD)
    expect(report.cases[0]!.reason).toBe('the api said {"ticket":"[redacted]","expiresIn":30}')
  })

  test('cases get an address each, a spare one, and keep it whatever --only selects', async () => {
    const seen: Record<string, [string | undefined, string | undefined]> = {}
    const record = (id: string) => fake(id, async (ctx) => void (seen[id] = [ctx.source, ctx.spareSource]))
    const plan: SourcePlan = { addressFor: (i) => `127.9.9.${i + 1}`, description: 'per case', perCase: true }
    const cases = [record('transport.one'), record('transport.two'), record('transport.three')]
    const report = await runConformance(options({ only: ['transport.three', 'transport.one'] }), {
      cases,
      sources: plan,
    })
    expect(seen).toEqual({
      'transport.one': ['127.9.9.1', '127.9.9.128'],
      'transport.three': ['127.9.9.3', '127.9.9.130'],
    })
    expect(report.cases.map((c) => c.source)).toEqual(['127.9.9.1', '127.9.9.3'])
    expect(report.sources).toBe('per case')
  })

  test('sharing one address, a blocking case after a long block is skipped with the reason', async () => {
    const blocker = fake('limits.first', async (ctx) => ctx.block('blocked on purpose', 120), {
      phase: 'blocking',
    })
    const after = fake('limits.second', async () => {}, { phase: 'blocking' })
    const report = await runConformance(options({ maxWaitS: 1 }), { cases: [blocker, after], sources: OS })
    expect(report.blocks).toEqual([
      {
        caseId: 'limits.first',
        source: 'the OS-chosen address',
        what: 'blocked on purpose',
        retryAfterS: 120,
      },
    ])
    expect(report.cases[1]).toMatchObject({
      verdict: 'skip',
      reason: 'this address is blocked for 120 s by an earlier case: re-run with --only limits.second later',
    })
  })

  test('a refusal must carry a JSON {error} body, except a 400 (an edge in front may parse the request first)', async () => {
    const report = await runConformance(options(), {
      cases: [htmlRefusal(401), htmlRefusal(400)],
      sources: OS,
    })
    expect(report.cases.map((c) => [c.verdict, c.reason])).toEqual([
      ['fail', 'html: the 401 body is not JSON {error: "<code>"}'],
      ['pass', undefined],
    ])
    expect(report.cases[1]!.evidence[0]).toMatchObject({
      step: 'html',
      status: 400,
      detail: 'body not JSON {error}',
    })
  })

  test('invalid options are refused before anything is sent', async () => {
    await expect(
      runConformance({ ...options(), ws: ['http://x'] }, { cases: [], sources: OS }),
    ).rejects.toThrow('--ws must be ws: or wss:')
  })
})
