import { describe, expect, it } from 'vitest'
import { parseSessionEvent, sessionRevoked, userRolesChanged } from '../src/index.ts'

describe('event contract', () => {
  it('accepts the two v1 events, as objects or JSON', () => {
    const revoked = sessionRevoked('s', 'u', 'logout', 5)
    expect(parseSessionEvent(revoked)).toEqual({
      v: 1,
      type: 'session.revoked',
      sid: 's',
      userId: 'u',
      reason: 'logout',
      at: 5,
    })
    const roles = userRolesChanged('u', ['admin'], 6)
    expect(parseSessionEvent(JSON.stringify(roles))).toEqual(roles)
  })

  it.each([
    ['bad JSON', '{'],
    ['wrong version', { ...sessionRevoked('s', 'u', 'r'), v: 2 }],
    ['unknown type', { v: 1, type: 'session.created', sid: 's', userId: 'u', at: 1 }],
    ['extra field', { ...sessionRevoked('s', 'u', 'r'), token: 'x' }],
    ['missing field', { v: 1, type: 'session.revoked', sid: 's', at: 1 }],
    ['bad role', { ...userRolesChanged('u', []), roles: ['root'] }],
    ['a feed probe', { probe: 'abc:1:portcullis:events:{ev0.1}' }],
    ['null', null],
  ])('rejects %s', (_name, raw) => {
    expect(parseSessionEvent(raw)).toBeNull()
  })
})
