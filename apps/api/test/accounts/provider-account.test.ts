// The account an identity-provider token becomes: id from (issuer, sub), a display name within the protocol's
// bounds, roles from the configured claim with `admin` only through OIDC_ADMIN_VALUES.
import type { ProviderClaims } from '@portcullis/tokens/oidc'
import { describe, expect, it } from 'vitest'
import { accountFromClaims, claimAt, providerUserId } from '../../src/accounts/provider-account.ts'
import { checkUsersFile } from '../../src/users/users-file.ts'

const claims = (payload: Record<string, unknown>, iss = 'https://id.example'): ProviderClaims => ({
  iss,
  sub: (payload.sub as string) ?? 'sub-1',
  aud: 'web',
  exp: 2e9,
  iat: 1e9,
  sid: undefined,
  jti: undefined,
  payload: { sub: 'sub-1', ...payload },
})
const mapping = { rolesClaim: 'roles', adminValues: ['ops'] }

describe('accountFromClaims', () => {
  it('keys the account by (issuer, sub): stable, and another issuer is another account', () => {
    const a = accountFromClaims(claims({}), mapping)
    expect(a.id).toBe(providerUserId('https://id.example', 'sub-1'))
    expect(a.id).toMatch(/^oidc_[A-Za-z0-9_-]{32}$/)
    expect(accountFromClaims(claims({}), mapping).id).toBe(a.id)
    expect(accountFromClaims(claims({}, 'https://other.example'), mapping).id).not.toBe(a.id)
    // No separator games: ("a", "bc") and ("ab", "c") differ.
    expect(providerUserId('a', 'bc')).not.toBe(providerUserId('ab', 'c'))
  })

  it('username: preferred_username, else email, else sub; no control characters; at most 64 UTF-16 units', () => {
    expect(accountFromClaims(claims({ preferred_username: ' carol ', email: 'c@x' }), mapping).username).toBe(
      'carol',
    )
    expect(accountFromClaims(claims({ preferred_username: '', email: 'c@x' }), mapping).username).toBe('c@x')
    expect(accountFromClaims(claims({ preferred_username: 42 }), mapping).username).toBe('sub-1')
    expect(accountFromClaims(claims({ preferred_username: 'ca\u0000rol\u001b[31m' }), mapping).username).toBe(
      'carol[31m',
    )
    expect(accountFromClaims(claims({ preferred_username: '\u0007\u0008' }), mapping).username).toBe('sub-1')
    const long = accountFromClaims(claims({ preferred_username: '😀'.repeat(40) }), mapping).username
    expect(long).toBe('😀'.repeat(32))
    expect(long.length).toBe(64)
  })

  it('roles: user always; admin only through OIDC_ADMIN_VALUES; the claim by name, else by dotted path', () => {
    expect(accountFromClaims(claims({}), mapping).initialRoles).toEqual(['user'])
    expect(accountFromClaims(claims({ roles: ['admin'] }), mapping).initialRoles).toEqual(['user'])
    expect(accountFromClaims(claims({ roles: ['x', 'ops'] }), mapping).initialRoles).toEqual([
      'user',
      'admin',
    ])
    expect(accountFromClaims(claims({ roles: 'ops' }), mapping).initialRoles).toEqual(['user', 'admin'])
    expect(accountFromClaims(claims({ roles: [{ ops: 1 }, 7] }), mapping).initialRoles).toEqual(['user'])
    const keycloak = { rolesClaim: 'realm_access.roles', adminValues: ['portcullis-admin'] }
    expect(
      accountFromClaims(claims({ realm_access: { roles: ['portcullis-admin'] } }), keycloak).initialRoles,
    ).toEqual(['user', 'admin'])
    const auth0 = { rolesClaim: 'https://chat.example/roles', adminValues: ['admin'] }
    expect(
      accountFromClaims(claims({ 'https://chat.example/roles': ['admin'] }), auth0).initialRoles,
    ).toEqual(['user', 'admin'])
    expect(claimAt({ a: { b: ['x'] } }, 'a.b')).toEqual(['x'])
    expect(claimAt({ a: ['x'] }, 'a.0')).toBeUndefined()
  })
})

const entry = (username: string) => ({
  id: 'u_1',
  username,
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
  roles: ['user'],
})

describe('users file usernames', () => {
  it('fit the protocol: 1–64 characters, no control characters, no outer spaces', () => {
    expect(checkUsersFile([entry('grace hopper')])).toHaveLength(1)
    for (const bad of ['', ' grace', 'grace ', 'gr\u0000ace', 'g\nrace', 'x'.repeat(65)])
      expect(() => checkUsersFile([entry(bad)]), JSON.stringify(bad)).toThrow(/account 0: username/)
  })
})
