import { describe, expect, it } from 'vitest'
import { devPlan, readyBanner } from '../src/dev/plan.ts'

const none = { api: {}, realtime: {}, web: {} }

describe('devPlan', () => {
  it('uses the apps’ defaults and lets the services find each other', () => {
    const plan = devPlan({}, none)
    expect(plan.api.url).toBe('http://127.0.0.1:3001')
    expect(plan.realtime.url).toBe('ws://127.0.0.1:3002/v1/ws')
    expect(plan.web.url).toBe('http://localhost:5173')
    expect(plan.realtime.env.JWKS_URL).toBe('http://127.0.0.1:3001/.well-known/jwks.json')
    expect(plan.web.env).toEqual({
      VITE_API_URL: 'http://127.0.0.1:3001',
      VITE_REALTIME_URL: 'ws://127.0.0.1:3002',
    })
    expect(plan.api.env.ALLOWED_ORIGINS).toBe('http://localhost:5173,http://127.0.0.1:5173')
  })

  it('honours overrides from the environment over the apps’ .env files, and never overrides yours', () => {
    const plan = devPlan(
      { API_PORT: '4001', WEB_PORT: '4173', JWKS_URL: 'http://keys.test/jwks.json' },
      { api: { API_PORT: '9999', API_HOST: '0.0.0.0' }, realtime: { REALTIME_PORT: '4002' }, web: {} },
    )
    expect(plan.api.url).toBe('http://localhost:4001')
    expect(plan.realtime.url).toBe('ws://127.0.0.1:4002/v1/ws')
    expect(plan.realtime.env.JWKS_URL).toBeUndefined()
    expect(plan.web.env.VITE_API_URL).toBe('http://localhost:4001')
    expect(plan.api.env.ALLOWED_ORIGINS).toBe('http://localhost:4173,http://127.0.0.1:4173')
  })

  it('speaks https and wss when TLS files are set (pnpm dev:tls)', () => {
    const plan = devPlan({ TLS_CERT_FILE: '/tls/cert.pem', TLS_KEY_FILE: '/tls/key.pem' }, none)
    expect(plan.tls).toBe(true)
    expect(plan.api.url).toBe('https://127.0.0.1:3001')
    expect(plan.realtime.url).toBe('wss://127.0.0.1:3002/v1/ws')
    expect(plan.web.url).toBe('https://localhost:5173')
    expect(plan.realtime.env.JWKS_URL).toBe('https://127.0.0.1:3001/.well-known/jwks.json')
    expect(readyBanner(plan, 'redis://127.0.0.1:1', 1)).toContain('over TLS')
  })

  it('names the local OpenID provider and its users in the banner when it runs', () => {
    const plan = devPlan({}, none)
    expect(readyBanner(plan, 'redis://127.0.0.1:1', 1)).not.toMatch(/^ {4}oidc/m)
    expect(readyBanner(plan, 'redis://127.0.0.1:1', 1, 'http://127.0.0.1:3003')).toMatch(
      /^ {4}oidc {5}http:\/\/127\.0\.0\.1:3003 {2}\(Sign in with OpenID Connect as carol, or dave \(admin\); password <name>-password\)$/m,
    )
  })

  it('stops on a bad variable with the apps’ own one line', () => {
    expect(() => devPlan({ API_PORT: 'abc' }, none)).toThrow(
      /^invalid environment: API_PORT must be an integer from 0 to 65535 \(got "abc"\)$/,
    )
    expect(() => devPlan({ WEB_PORT: '0' }, none)).toThrow(/^invalid environment: WEB_PORT must be/)
  })
})
