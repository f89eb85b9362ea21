import { generateKeyPairSync } from 'node:crypto'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, onTestFinished, test } from 'vitest'
import {
  createJwksSource,
  createVerifier,
  TokensOptionsError,
  type FetchFailure,
  type JwksSourceOptions,
  type KeysUpdate,
  type TokenFailure,
} from '../src/index.ts'
import { JwksServer, TestTokens } from '../src/testing/index.ts'

// The key lifecycle of docs/guides/verify-tokens.md ("Keys: rotation, removal, outages"), against a real HTTP server on loopback.

function setup(tokens: TestTokens, server: JwksServer, options: Omit<JwksSourceOptions, 'url'> = {}) {
  const keys = createJwksSource({ url: server.url, ...options })
  onTestFinished(() => keys.close())
  const verifier = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys })
  return { keys, verifier }
}

async function jwksServer(tokens: TestTokens, { up = true } = {}): Promise<JwksServer> {
  const server = up
    ? await JwksServer.start(() => tokens.jwks())
    : await JwksServer.reserve(() => tokens.jwks())
  onTestFinished(() => server.close())
  return server
}

const outcome = async (v: ReturnType<typeof createVerifier>, token: string): Promise<'ok' | TokenFailure> => {
  const result = await v.verify(token)
  return result.ok ? 'ok' : result.failure
}

describe('JwksSource: cold start (the verifier starts before the api)', () => {
  test('503-class failures while the JWKS is down, then valid tokens pass within about a second of it coming up', async () => {
    const tokens = new TestTokens()
    const server = await jwksServer(tokens, { up: false })
    const { keys, verifier } = setup(tokens, server)
    const token = tokens.token()
    const seen = new Set<string>()
    const until = Date.now() + 1_500
    while (Date.now() < until) {
      seen.add(await outcome(verifier, token))
      await sleep(50)
    }
    // Never a 401 (unknown_kid) for a valid token while the keys cannot be had.
    expect([...seen]).toEqual(['keys_unavailable'])
    expect(keys.ready).toBe(false)
    expect(keys.status()).toMatchObject({ ready: false, lastSuccessAt: null, kids: [] })
    expect(keys.status().consecutiveFailures).toBeGreaterThanOrEqual(3)

    await server.up()
    const upAt = Date.now()
    await expect.poll(() => outcome(verifier, token), { timeout: 3_000, interval: 20 }).toBe('ok')
    const elapsed = Date.now() - upAt
    expect(elapsed).toBeLessThan(1_600)
    expect(keys.ready).toBe(true)
  })

  test('whenReady resolves once the keys are in, or false on timeout', async () => {
    const tokens = new TestTokens()
    const server = await jwksServer(tokens, { up: false })
    const { keys } = setup(tokens, server)
    expect(await keys.whenReady(300)).toBe(false)
    const ready = keys.whenReady(5_000)
    await server.up()
    expect(await ready).toBe(true)
    expect(await keys.whenReady(1)).toBe(true)
  })

  test('a failed fetch is retried from ~250 ms with backoff, not after the 10 s unknown-kid cooldown', async () => {
    const tokens = new TestTokens()
    const server = await jwksServer(tokens)
    server.status = 500
    const { keys } = setup(tokens, server)
    const failures: FetchFailure[] = []
    keys.on('fetchFailed', (f) => failures.push(f))
    await expect.poll(() => failures.length, { timeout: 3_000 }).toBeGreaterThanOrEqual(4)
    expect(failures[0]!.retryInMs).toBeGreaterThanOrEqual(200)
    expect(failures[0]!.retryInMs).toBeLessThanOrEqual(250)
    expect(failures[1]!.retryInMs).toBeGreaterThan(failures[0]!.retryInMs)
    // Before the first success the wait never exceeds a second.
    expect(Math.max(...failures.map((f) => f.retryInMs))).toBeLessThanOrEqual(1_000)
    expect(failures[0]!.error).toMatchObject({ reason: 'status', message: expect.stringMatching(/500/) })
  })
})

describe('JwksSource: refresh and removal', () => {
  test('a key the JWKS no longer publishes is refused within the refresh interval, and reported', async () => {
    const tokens = new TestTokens()
    const server = await jwksServer(tokens)
    const { keys, verifier } = setup(tokens, server, { refreshMs: 400 })
    const old = tokens.keys[0]!
    const token = tokens.token({}, { signWith: old })
    await expect.poll(() => outcome(verifier, token)).toBe('ok')
    const removed = once(keys, 'removed')
    tokens.removeKey(old.kid)
    const removedAt = Date.now()
    expect(await removed).toEqual([[old.kid]])
    expect(Date.now() - removedAt).toBeLessThan(1_000)
    expect(await outcome(verifier, token)).toBe('unknown_kid')
    expect(keys.status().kids).toEqual([tokens.keys[0]!.kid])
  })

  test('the same kid published with other material counts as removed (and its tokens fail)', async () => {
    const tokens = new TestTokens({ algs: ['ES256', 'ES256'] })
    const server = await jwksServer(tokens)
    const { keys, verifier } = setup(tokens, server, { refreshMs: 300 })
    const victim = tokens.keys[1]!
    const token = tokens.token({}, { signWith: victim })
    await expect.poll(() => outcome(verifier, token)).toBe('ok')
    const updates: KeysUpdate[] = []
    keys.on('updated', (u) => updates.push(u))
    tokens.removeKey(victim.kid)
    tokens.addKey('ES256', { kid: victim.kid })
    await expect
      .poll(() => updates.find((u) => u.removed.length > 0))
      .toMatchObject({
        removed: [victim.kid],
        added: [victim.kid],
      })
    expect(await outcome(verifier, token)).toBe('signature')
  })

  test('Cache-Control max-age shorter than the refresh interval is honoured', async () => {
    const tokens = new TestTokens()
    const server = await jwksServer(tokens)
    server.maxAgeS = 1
    const { keys } = setup(tokens, server, { refreshMs: 60_000 })
    await keys.whenReady(2_000)
    const first = Date.now()
    await expect.poll(() => server.requests, { timeout: 3_000, interval: 20 }).toBe(2)
    const gap = Date.now() - first
    expect(gap).toBeGreaterThan(800)
    expect(gap).toBeLessThan(1_500)
  })

  test('a longer max-age never delays the refresh interval', async () => {
    const tokens = new TestTokens()
    const server = await jwksServer(tokens)
    server.maxAgeS = 3_600
    const { keys } = setup(tokens, server, { refreshMs: 300 })
    await keys.whenReady(2_000)
    await expect.poll(() => server.requests, { timeout: 2_000 }).toBeGreaterThanOrEqual(3)
  })
})

describe('JwksSource: unknown kids', () => {
  test('forged kids cause no refetch within the cooldown after a success; a new key is found after it, in one fetch', async () => {
    const tokens = new TestTokens()
    const server = await jwksServer(tokens)
    const { keys, verifier } = setup(tokens, server, { unknownKidCooldownMs: 600 })
    await keys.whenReady(2_000)
    expect(server.requests).toBe(1)

    const forged = Array.from({ length: 50 }, (_, i) => tokens.token({}, { kid: `forged-${i}` }))
    const results = await Promise.all(forged.map((t) => outcome(verifier, t)))
    expect(new Set(results)).toEqual(new Set(['unknown_kid']))
    expect(server.requests).toBe(1)

    // A rotation: the api publishes a new key; within the cooldown its tokens are not yet known.
    const fresh = tokens.addKey('ES256', { current: true })
    const token = tokens.token({}, { signWith: fresh })
    expect(await outcome(verifier, token)).toBe('unknown_kid')
    expect(server.requests).toBe(1)

    await sleep(650)
    const burst = await Promise.all([token, ...forged].map((t) => outcome(verifier, t)))
    expect(burst[0]).toBe('ok')
    expect(new Set(burst.slice(1))).toEqual(new Set(['unknown_kid']))
    expect(server.requests).toBe(2)
  })
})

describe('JwksSource: outage', () => {
  test('cached keys keep working; unknown kids are keys_unavailable; past maxStale everything is; then it recovers', async () => {
    const tokens = new TestTokens()
    const server = await jwksServer(tokens)
    const { keys, verifier } = setup(tokens, server, { refreshMs: 200, maxStaleMs: 1_200, retryMaxMs: 300 })
    await keys.whenReady(2_000)
    const token = tokens.token()
    const failures: FetchFailure[] = []
    keys.on('fetchFailed', (f) => failures.push(f))
    const removals: unknown[] = []
    keys.on('removed', (kids) => removals.push(kids))

    await server.down()
    const downAt = Date.now()
    await expect.poll(() => failures.length, { timeout: 2_000 }).toBeGreaterThanOrEqual(1)
    expect(await outcome(verifier, token)).toBe('ok')
    // An unknown kid may be a key we could not fetch: not the client's fault.
    expect(await outcome(verifier, tokens.token({}, { kid: 'rotated-meanwhile' }))).toBe('keys_unavailable')
    expect(failures[0]!.error.reason).toBe('network')
    // Once ready, retries back off up to retryMaxMs.
    expect(Math.max(...failures.map((f) => f.retryInMs))).toBeLessThanOrEqual(300)

    await expect.poll(() => keys.ready, { timeout: 3_000, interval: 20 }).toBe(false)
    expect(Date.now() - downAt).toBeGreaterThanOrEqual(1_000)
    expect(await outcome(verifier, token)).toBe('keys_unavailable')
    // The cached keys were never dropped (and nothing was reported as removed).
    expect(keys.status().kids).toHaveLength(2)
    expect(removals).toEqual([])

    await server.up()
    await expect.poll(() => outcome(verifier, token), { timeout: 2_000, interval: 20 }).toBe('ok')
    expect(keys.ready).toBe(true)
  })

  test('an oversized, redirected, empty or broken answer keeps the cached keys', async () => {
    const tokens = new TestTokens()
    const server = await jwksServer(tokens)
    const { keys, verifier } = setup(tokens, server, { refreshMs: 60_000, maxBytes: 4_096 })
    await keys.whenReady(2_000)
    const token = tokens.token()
    const target = await jwksServer(tokens)
    const answers: Array<
      [
        string,
        Parameters<NonNullable<JwksServer['respond']>>[0] extends never
          ? never
          : NonNullable<JwksServer['respond']>,
      ]
    > = [
      [
        'too_large',
        (_req, res) =>
          res.writeHead(200).end(JSON.stringify({ keys: tokens.jwks().keys, pad: 'x'.repeat(5_000) })),
      ],
      ['redirect', (_req, res) => res.writeHead(307, { location: target.url }).end()],
      ['invalid', (_req, res) => res.writeHead(200).end('{"keys":[]}')],
      [
        'invalid',
        (_req, res) =>
          res.writeHead(200).end(JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }] })),
      ],
      [
        'invalid',
        (_req, res) =>
          res.writeHead(200).end(JSON.stringify({ keys: [...tokens.jwks().keys, tokens.jwks().keys[0]] })),
      ],
      ['invalid', (_req, res) => res.writeHead(200).end('<html>')],
    ]
    for (const [reason, respond] of answers) {
      server.respond = respond
      const failed = once(keys, 'fetchFailed') as Promise<[FetchFailure]>
      expect(await keys.refresh()).toBe(false)
      const [failure] = await failed
      expect(failure.error.reason).toBe(reason)
      expect(keys.status().kids).toHaveLength(2)
      expect(await outcome(verifier, token)).toBe('ok')
    }
    expect(target.requests).toBe(0)
  })
})

describe('JwksSource: lifecycle', () => {
  test('close() stops the refresh timer and aborts a fetch in flight; cached keys still answer', async () => {
    const tokens = new TestTokens()
    const server = await jwksServer(tokens)
    const { keys, verifier } = setup(tokens, server, { refreshMs: 100 })
    await keys.whenReady(2_000)
    server.delayMs = 5_000
    const pending = keys.refresh()
    keys.close()
    expect(await pending).toBe(false)
    const requests = server.requests
    await sleep(400)
    expect(server.requests).toBe(requests)
    expect(await keys.refresh()).toBe(false)
    expect(await outcome(verifier, tokens.token())).toBe('ok')
  })

  test('refuses bad options, naming the option', () => {
    expect(() => createJwksSource({ url: 'not a url' })).toThrow(TokensOptionsError)
    expect(() => createJwksSource({ url: 'file:///etc/passwd' })).toThrow(/url/)
    expect(() => createJwksSource({ url: 'http://127.0.0.1:9/jwks', refreshMs: 0 })).toThrow(/refreshMs/)
    expect(() => createJwksSource({ url: 'http://127.0.0.1:9/jwks', maxStaleMs: Number.NaN })).toThrow(
      /maxStaleMs/,
    )
    expect(() => createJwksSource({ url: 'http://127.0.0.1:9/jwks', maxBytes: -1 })).toThrow(/maxBytes/)
  })
})

describe("JwksSource: a provider's algorithms", () => {
  test('imports only keys of the given algorithms; a document without one keeps the previous keys', async () => {
    const rsa = {
      ...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }),
      kid: 'rsa-1',
      use: 'sig',
    }
    const ec = new TestTokens({ algs: ['ES256'] }).jwks().keys[0]!
    let doc: { keys: unknown[] } = { keys: [rsa, ec] }
    const server = await JwksServer.start(() => doc)
    onTestFinished(() => server.close())
    const keys = createJwksSource({ url: server.url, algorithms: ['RS256'], retryInitialMs: 20 })
    onTestFinished(() => keys.close())
    expect(await keys.whenReady(2_000)).toBe(true)
    expect(keys.status().kids).toEqual(['rsa-1'])
    expect(await keys.resolve(ec.kid)).toBe('unknown_kid')
    const failures: FetchFailure[] = []
    keys.on('fetchFailed', (f) => failures.push(f))
    doc = { keys: [ec] }
    expect(await keys.refresh()).toBe(false)
    await expect.poll(() => failures.length).toBeGreaterThan(0) // and it keeps retrying, with backoff
    expect(failures[0]?.error.message).toMatch(/no usable RS256 signing key/)
    expect(keys.get('rsa-1')?.alg).toBe('RS256')
    expect(() => createJwksSource({ url: server.url, algorithms: ['HS256' as 'RS256'] })).toThrow(
      TokensOptionsError,
    )
    expect(() => createJwksSource({ url: server.url, algorithms: [] })).toThrow(/algorithms/)
  })
})
