// Login throttling (docs/reference/http-api.md): failures count per (username, client IP; IPv6 by /64) and per username across all
// IPs. Tested as an attacker would: guessing a password must never lock its owner out.
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../../helper.ts'

function login(app: FastifyInstance, username: string, password: string, ip: string) {
  return app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { username, password },
    remoteAddress: ip,
  })
}

async function statuses(app: FastifyInstance, attempts: Array<[string, string, string]>): Promise<number[]> {
  const out: number[] = []
  for (const [username, password, ip] of attempts)
    out.push((await login(app, username, password, ip)).statusCode)
  return out
}

const NO_IP_RATE = { LOGIN_RATE_PER_MIN: '10000' }

/** Addresses inside one IPv6 /64. */
const inside = (n: number): string => `2001:db8:bad:1::${n.toString(16)}`

describe('login throttling is not a lock-out', () => {
  it('eleven wrong passwords for admin from one IP do not lock admin out from another IP (defaults)', async () => {
    const { app } = await buildTestApp(NO_IP_RATE)
    const attacker = '203.0.113.66'
    const guesses = await statuses(
      app,
      Array.from({ length: 11 }, (_, i) => ['admin', `guess-${i}`, attacker]),
    )
    expect(guesses).toEqual([...Array<number>(10).fill(401), 429])
    // the attacker's client stays throttled even with the right password...
    expect((await login(app, 'admin', 'admin-password', attacker)).statusCode).toBe(429)
    // ...while the real admin, elsewhere, logs in
    expect((await login(app, 'admin', 'admin-password', '198.51.100.7')).statusCode).toBe(200)
  })

  it('counts an IPv6 client by its /64: rotating addresses inside it does not reset the count', async () => {
    const { app } = await buildTestApp({ ...NO_IP_RATE, LOGIN_FAILURES_PER_USERNAME: '3' })
    expect(
      await statuses(
        app,
        [1, 2, 3, 4].map((n) => ['admin', 'x', inside(n)]),
      ),
    ).toEqual([401, 401, 401, 429])
    expect((await login(app, 'admin', 'admin-password', '2001:db8:bad:2::1')).statusCode).toBe(200)
  })

  it('past LOGIN_FAILURES_PER_USERNAME_GLOBAL failures from many IPs, a new IP gets 429 even with the right password', async () => {
    const { app, logs } = await buildTestApp({ ...NO_IP_RATE, LOGIN_FAILURES_PER_USERNAME_GLOBAL: '5' })
    const botnet = await statuses(
      app,
      Array.from({ length: 5 }, (_, i) => ['admin', 'x', `198.18.0.${i + 1}`]),
    )
    expect(botnet).toEqual([401, 401, 401, 401, 401])
    const refused = await login(app, 'admin', 'admin-password', '192.0.2.200')
    expect(refused.statusCode).toBe(429)
    expect(refused.json()).toMatchObject({ error: 'rate_limited' })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(800)
    expect(
      logs.lines().some((l) => l.event === 'auth.login.throttled' && l.reason === 'username_global'),
    ).toBe(true)
    // a refused attempt checked no password and is not counted: the botnet's count stays at the cap
    expect((await login(app, 'admin', 'x', '198.18.0.99')).statusCode).toBe(429)
    // the cap is per username: alice is not affected
    expect((await login(app, 'alice', 'alice-password', '192.0.2.200')).statusCode).toBe(200)
  })

  it('past the global cap, a client IP (/64) that logged in as that user within 30 days still may, with the right password', async () => {
    const { app } = await buildTestApp({ ...NO_IP_RATE, LOGIN_FAILURES_PER_USERNAME_GLOBAL: '5' })
    const office = '192.0.2.10'
    const laptop = '2001:db8:1:2::10'
    expect((await login(app, 'admin', 'admin-password', office)).statusCode).toBe(200)
    expect((await login(app, 'admin', 'admin-password', laptop)).statusCode).toBe(200)
    await statuses(
      app,
      Array.from({ length: 8 }, (_, i) => ['admin', 'x', `198.18.1.${i + 1}`]),
    )

    expect((await login(app, 'admin', 'admin-password', office)).statusCode).toBe(200)
    expect((await login(app, 'admin', 'admin-password', '2001:db8:1:2::beef')).statusCode).toBe(200) // same /64
    expect((await login(app, 'admin', 'admin-password', '192.0.2.11')).statusCode).toBe(429) // not known
    expect((await login(app, 'admin', 'admin-password', '2001:db8:1:3::10')).statusCode).toBe(429) // other /64
    // known is not a free pass: a wrong password there is a failure, and its own count still applies
    expect((await login(app, 'admin', 'wrong', office)).statusCode).toBe(401)
    // a client known for another user is not known for admin
    expect((await login(app, 'alice', 'alice-password', '192.0.2.50')).statusCode).toBe(200)
    expect((await login(app, 'admin', 'admin-password', '192.0.2.50')).statusCode).toBe(429)
  })

  it('counts unknown usernames the same way (no enumeration through the throttle)', async () => {
    const { app } = await buildTestApp({
      ...NO_IP_RATE,
      LOGIN_FAILURES_PER_USERNAME: '2',
      LOGIN_FAILURES_PER_USERNAME_GLOBAL: '3',
    })
    const answers = async (username: string) => {
      const codes = await statuses(app, [
        [username, 'x', '198.18.2.1'],
        [username, 'x', '198.18.2.1'],
        [username, 'x', '198.18.2.1'],
        [username, 'x', '198.18.2.2'],
        [username, 'x', '198.18.2.3'],
      ])
      return codes
    }
    const known = await answers('bob')
    expect(known).toEqual([401, 401, 429, 401, 429])
    expect(await answers('nobody-by-this-name')).toEqual(known)
  })
})
