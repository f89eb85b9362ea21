// Issue 11.6: argon2 work has a bounded concurrency. A flood of parallel logins gets 503 +
// Retry-After at once for what does not fit, never an unbounded queue, and gives back the attempts it never
// checked.
import { describe, expect, it } from 'vitest'
import { DEFAULT_HASH_OPTIONS } from '../../../src/users/passwords.ts'
import { buildTestApp, rawRedis } from '../../helper.ts'

describe('password checks have a bounded concurrency', () => {
  it('30 parallel logins with 1 slot and 2 queue places: 3 are checked, the rest get 503 + Retry-After at once', async () => {
    // The real argon2id cost (m = 19 MiB, t = 2), so each check takes long enough for the flood to pile up.
    const { app, config, logs } = await buildTestApp(
      { LOGIN_RATE_PER_MIN: '10000' },
      { hashOptions: DEFAULT_HASH_OPTIONS, passwordConcurrency: { maxConcurrent: 1, maxQueued: 2 } },
    )
    const flood = Array.from({ length: 30 }, (_, i) =>
      app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username: 'alice', password: i % 2 ? 'alice-password' : 'wrong' },
        remoteAddress: `198.18.3.${i + 1}`,
      }),
    )
    const answers = await Promise.all(flood)
    const busy = answers.filter((r) => r.statusCode === 503)
    const checked = answers.filter((r) => r.statusCode === 200 || r.statusCode === 401)
    expect(busy.length + checked.length).toBe(30)
    // The flood arrives within a few ms while one check takes tens: at most the slot and the queue get in.
    expect(checked.length).toBeGreaterThanOrEqual(1)
    expect(busy.length).toBeGreaterThanOrEqual(20)
    for (const res of busy) {
      expect(res.json()).toEqual({
        error: 'temporarily_unavailable',
        message: 'too many logins in progress, retry shortly',
      })
      expect(res.headers['retry-after']).toBe('1')
      expect(res.headers['cache-control']).toBe('no-store')
    }
    expect(logs.lines().filter((l) => l.event === 'auth.login.busy')).toHaveLength(busy.length)
    // Attempts never checked were given back: no client is any closer to its limit for them.
    const raw = await rawRedis()
    const counts = await Promise.all(
      (await raw.keys(`${config.REDIS_KEY_PREFIX}login:fail:*`)).map(async (k) => Number(await raw.get(k))),
    )
    const failures = checked.filter((r) => r.statusCode === 401).length
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2 * failures) // each failure: its client's and the username's count
    // And the bulkhead is free again: the next login goes through.
    const after = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'alice', password: 'alice-password' },
    })
    expect(after.statusCode).toBe(200)
  })
})
