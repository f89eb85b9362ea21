import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { loggerOptions, redactUrl, securityEvent } from '../src/index.ts'

function capture(): { log: pino.Logger; lines: () => Array<Record<string, unknown>>; raw: () => string } {
  let text = ''
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString()
      done()
    },
  })
  const log = pino(loggerOptions({ level: 'info' }), sink)
  return {
    log,
    raw: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}

describe('redactUrl', () => {
  it('drops query values and keeps keys', () => {
    expect(redactUrl('/v1/ws?ticket=s3cret&x=1')).toBe('/v1/ws?[ticket,x]')
    expect(redactUrl('/v1/ws?')).toBe('/v1/ws')
    expect(redactUrl('/healthz')).toBe('/healthz')
  })
})

describe('loggerOptions', () => {
  it('never prints a query value, header credential or secret field', () => {
    const c = capture()
    c.log.info({
      req: { method: 'GET', url: '/v1/ws?ticket=T1CKET&access_token=J.W.T', ip: '127.0.0.1' },
    })
    c.log.info({ headers: { authorization: 'Bearer J.W.T', cookie: 'sid=C00KIE' } })
    c.log.info({ body: { password: 'hunter2', refreshToken: 'R3FRESH' }, accessToken: 'A.B.C' })
    const err = Object.assign(new Error('boom'), { token: 'T0KEN' })
    c.log.error({ err }, 'failed')
    const raw = c.raw()
    for (const secret of ['T1CKET', 'J.W.T', 'C00KIE', 'hunter2', 'R3FRESH', 'A.B.C', 'T0KEN'])
      expect(raw).not.toContain(secret)
    // Censored in a copy: the error keeps its message in the line, the caller's object is untouched.
    expect(c.lines()[3]).toMatchObject({ err: { message: 'boom', token: '[redacted]' } })
    expect(err.token).toBe('T0KEN')
    expect(c.lines()[0]).toMatchObject({ req: { method: 'GET', url: '/v1/ws?[ticket,access_token]' } })
  })
})

describe('securityEvent', () => {
  it('writes one structured line with a stable event name', () => {
    const c = capture()
    securityEvent(c.log, 'auth.login.failed', {
      reason: 'bad_password',
      ip: '10.0.0.1',
      userId: undefined,
      level: 'warn',
    })
    const lines = c.lines()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: 40,
      event: 'auth.login.failed',
      reason: 'bad_password',
      ip: '10.0.0.1',
    })
    expect(lines[0]).not.toHaveProperty('userId')
    expect(lines[0]).not.toHaveProperty('level', 'warn')
  })

  it('redacts a secret passed by mistake', () => {
    const c = capture()
    securityEvent(c.log, 'ws.auth.failed', { ticket: 'T1CKET' })
    expect(c.raw()).not.toContain('T1CKET')
  })
})
