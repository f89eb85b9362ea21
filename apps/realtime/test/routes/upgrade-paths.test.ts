import { connect as tcpConnect, type Socket } from 'node:net'
import { describe, expect, test } from 'vitest'
import { waitFor } from '@portcullis/testkit'
import { bearer, connect, startApp } from '../helper.ts'

/** Writes a raw, well-formed handshake to `path` and resolves with the status line and the socket's fate. */
async function handshakeOn(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; head: string; closedWithinMs: number }> {
  const socket: Socket = tcpConnect({ host: '127.0.0.1', port })
  await new Promise((resolve) => socket.once('connect', resolve))
  const started = Date.now()
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`,
  )
  let head = ''
  socket.on('data', (chunk: Buffer) => (head += chunk.toString('latin1')))
  // Never answer a close frame: the server alone decides how long the socket lives.
  await new Promise((resolve) => socket.once('close', resolve))
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
    head,
    closedWithinMs: Date.now() - started,
  }
}

describe('only /v1/ws upgrades', () => {
  test('a handshake on /healthz, /readyz, an unknown path or /v1/ws/ never gets 101, from any Origin', async () => {
    const t = await startApp()
    const { token } = await t.login()
    const port = Number(new URL(t.url).port)
    for (const path of ['/healthz', '/readyz', '/nope', '/v1/ws/extra', '/healthz?ticket=x']) {
      const variants: Array<Record<string, string>> = [
        {},
        { origin: 'http://evil.test' },
        { origin: t.origin, ...bearer(token) },
      ]
      for (const headers of variants) {
        const res = await handshakeOn(port, path, headers)
        expect(res.status, `${path} ${JSON.stringify(Object.keys(headers))}`).toBe(404)
        expect(res.head).toContain('"error":"not_found"')
        // Closed by the server at once, not left open for a close handshake.
        expect(res.closedWithinMs).toBeLessThan(2000)
      }
    }
    expect(
      t.logs.events('ws.upgrade.refused').filter((e) => e.reason === 'not_a_websocket_endpoint'),
    ).toHaveLength(15)
    // Plain GETs of the health routes are unaffected, and /v1/ws still upgrades.
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200)
    await connect(t.url, { headers: bearer(token) })
  })

  test('a peer that never answers our close frame is cut after the close timeout, not ws’s 30 s', async () => {
    const t = await startApp()
    const login = await t.login()
    const c = await connect(t.url, { headers: bearer(login.token) })
    // Stop reading: the close frame is never seen, so never answered.
    // oxlint-disable-next-line no-underscore-dangle -- ws keeps the net.Socket private; pausing it is the silent peer
    ;(c.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const started = Date.now()
    await t.store.revokeSession(login.sid, 'logout')
    const closed = await waitFor(
      () => t.logs.events('ws.closed').find((e) => e.sessionId === login.sid),
      'the server let go of the socket',
      10_000,
    )
    // 1006: the peer never answered the close frame, so ws cut the TCP connection itself.
    expect(closed).toMatchObject({ code: 1006 })
    expect(Date.now() - started).toBeLessThan(3000)
    expect(t.app.hub.connections.size).toBe(0)
  })

  test('400 for a bad Sec-WebSocket-Version carries Sec-WebSocket-Version: 13 (RFC 6455 §4.4)', async () => {
    const t = await startApp()
    const port = Number(new URL(t.url).port)
    const socket = tcpConnect({ host: '127.0.0.1', port })
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(
      `GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    )
    let head = ''
    socket.on('data', (chunk: Buffer) => (head += chunk.toString('latin1')))
    await new Promise((resolve) => socket.once('close', resolve))
    expect(head).toMatch(/^HTTP\/1\.1 400 /)
    expect(head.toLowerCase()).toContain('\r\nsec-websocket-version: 13\r\n')
  })
})
