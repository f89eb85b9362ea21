import { BEARER_SUBPROTOCOL_PREFIX, SUBPROTOCOL } from '@portcullis/protocol'
import { describe, expect, it } from 'vitest'
import { dial, endpointUrl, refusedUpgradeStatus } from '../src/transport.ts'

describe('transport', () => {
  it('appends /v1/ws to a bare realtime URL and keeps an explicit path', () => {
    expect(endpointUrl('ws://localhost:3002').href).toBe('ws://localhost:3002/v1/ws')
    expect(endpointUrl('wss://rt.example.com/custom/ws').href).toBe('wss://rt.example.com/custom/ws')
  })

  it('puts only the ticket in the URL', () => {
    const t = dial('ws://localhost:3002', 'ticket', 'abc/+=')
    expect(t.url).toBe('ws://localhost:3002/v1/ws?ticket=abc%2F%2B%3D')
    expect(t.protocols).toEqual([SUBPROTOCOL])
    expect(t.headers).toEqual({})
  })

  it('carries a JWT in the subprotocol or the Authorization header, never in the URL', () => {
    const sub = dial('ws://h:1', 'bearer-subprotocol', 'jwt.a.b')
    expect(sub.url).toBe('ws://h:1/v1/ws')
    expect(sub.protocols).toEqual([SUBPROTOCOL, `${BEARER_SUBPROTOCOL_PREFIX}jwt.a.b`])
    const header = dial('ws://h:1', 'authorization-header', 'jwt.a.b')
    expect(header.url).toBe('ws://h:1/v1/ws')
    expect(header.headers).toEqual({ authorization: 'Bearer jwt.a.b' })
  })

  it('reads the refusal status from a ws error event, and nothing from a browser one', () => {
    expect(refusedUpgradeStatus({ message: 'Unexpected server response: 429' })).toBe(429)
    expect(refusedUpgradeStatus({ type: 'error' })).toBeUndefined()
    expect(refusedUpgradeStatus(null)).toBeUndefined()
  })
})
