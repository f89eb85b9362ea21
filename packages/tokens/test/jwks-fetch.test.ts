import { describe, expect, onTestFinished, test } from 'vitest'
import { fetchJwks, JwksFetchError, maxAgeOf } from '../src/jwks/fetch.ts'
import { JWKS_PATH, JwksServer, TestTokens } from '../src/testing/index.ts'

const tokens = new TestTokens()
const limits = { timeoutMs: 1000, maxBytes: 65_536 }

async function server(): Promise<JwksServer> {
  const s = await JwksServer.start(() => tokens.jwks())
  onTestFinished(() => s.close())
  return s
}

async function failure(url: string, options = limits): Promise<JwksFetchError> {
  const err = await fetchJwks(url, options).then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(JwksFetchError)
  return err as JwksFetchError
}

describe('maxAgeOf', () => {
  test.each([
    [null, undefined],
    ['public', undefined],
    ['public, max-age=300', 300],
    ['max-age="30", must-revalidate', 30],
    ['MAX-AGE=5', 5],
    ['max-age=-1', undefined],
    ['max-age=abc', undefined],
    ['s-maxage=10', undefined],
    ['no-cache', 0],
    ['max-age=60, no-store', 0],
  ])('%s → %s', (header, expected) => {
    expect(maxAgeOf(header)).toBe(expected)
  })
})

describe('fetchJwks', () => {
  test('returns the keys and the max-age of the response', async () => {
    const s = await server()
    s.maxAgeS = 120
    const fetched = await fetchJwks(s.url, limits)
    expect(fetched).toEqual({ keys: tokens.jwks().keys, maxAgeS: 120 })
  })

  test('never follows a redirect', async () => {
    const s = await server()
    const target = await server()
    s.respond = (_req, res) => res.writeHead(302, { location: target.url }).end()
    expect((await failure(s.url)).reason).toBe('redirect')
    expect(target.requests).toBe(0)
  })

  test('refuses a non-200 answer', async () => {
    const s = await server()
    s.status = 503
    expect((await failure(s.url)).reason).toBe('status')
    s.status = 204
    expect((await failure(s.url)).reason).toBe('status')
  })

  test('refuses a body whose declared length is over the cap, before reading it', async () => {
    const s = await server()
    s.respond = (_req, res) => res.writeHead(200, { 'content-length': 100_000 }).end('x'.repeat(100_000))
    const err = await failure(s.url)
    expect(err).toMatchObject({
      reason: 'too_large',
      message: expect.stringMatching(/declared 100000 bytes/),
    })
  })

  test('stops reading a streamed body at the cap (no Content-Length): never buffers the rest', async () => {
    const s = await server()
    let sent = 0
    let stopped = false
    // 16 KiB chunks, up to 64 MiB unless the client goes away first.
    s.respond = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.on('close', () => (stopped = true))
      const chunk = Buffer.alloc(16_384, 0x20)
      const pump = () => {
        while (sent < 64 * 1024 * 1024 && !req.destroyed) {
          sent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end()
      }
      pump()
    }
    const err = await failure(s.url)
    expect(err).toMatchObject({
      reason: 'too_large',
      message: expect.stringMatching(/more than 65536 bytes/),
    })
    await expect.poll(() => stopped).toBe(true)
    expect(sent).toBeLessThan(8 * 1024 * 1024)
  })

  test('times out a server that never answers, and one that stalls mid-body', async () => {
    const s = await server()
    s.delayMs = 2_000
    const started = Date.now()
    expect((await failure(s.url, { ...limits, timeoutMs: 200 })).reason).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(1_500)
    s.delayMs = 0
    s.respond = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"keys":[')
    }
    expect((await failure(s.url, { ...limits, timeoutMs: 200 })).reason).toBe('timeout')
  })

  test('refuses what is not a JWKS, without quoting it', async () => {
    const s = await server()
    for (const body of [
      'not json at all',
      '[]',
      'null',
      '{"keys":{"secret":1}}',
      '{}',
      Buffer.from([0xff, 0xfe, 0x7b]),
    ]) {
      s.respond = (_req, res) => res.writeHead(200).end(body)
      const err = await failure(s.url)
      expect(err.reason).toBe('invalid')
      expect(err.message).not.toMatch(/not json at all|secret/)
    }
  })

  test('a refused connection is a network failure', async () => {
    const s = await JwksServer.reserve(() => tokens.jwks())
    expect((await failure(s.url)).reason).toBe('network')
    expect(s.url.endsWith(JWKS_PATH)).toBe(true)
  })

  test('an aborted fetch fails at once', async () => {
    const s = await server()
    s.delayMs = 5_000
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const err = await failure(s.url, {
      ...limits,
      timeoutMs: 10_000,
      signal: controller.signal,
    } as typeof limits)
    expect(err.reason).toBe('network')
  })
})
