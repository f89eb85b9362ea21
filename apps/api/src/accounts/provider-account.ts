import { createHash } from 'node:crypto'
import { ROLES, type Role } from '@portcullis/protocol'
import type { ProviderClaims } from '@portcullis/tokens/oidc'
import { PROVIDER_ACCOUNT_PREFIX } from '../users/users-file.ts'

/** How claims become an account (`OIDC_ROLES_CLAIM`, `OIDC_ADMIN_VALUES`). */
export interface ClaimMapping {
  rolesClaim: string
  adminValues: readonly string[]
}

/** An account of the identity provider, as the exchange creates it. */
export interface ProviderAccount {
  id: string
  username: string
  /** Seeded into the session store at the first exchange only; the store governs afterwards. */
  initialRoles: Role[]
}

/** Longest username, UTF-16 units: the protocol's bound on `welcome.user.username` and a message's `from`. */
export const MAX_USERNAME_LENGTH = 64

/** `value` without control characters, trimmed, cut to `MAX_USERNAME_LENGTH` without splitting a character. */
function displayName(value: string): string {
  let out = ''
  for (const ch of value.replace(/\p{Cc}/gu, '').trim()) {
    if (out.length + ch.length > MAX_USERNAME_LENGTH) break
    out += ch
  }
  return out.trim()
}

/**
 * The stable Portcullis user id of (issuer, subject): `oidc_` + 32 base64url characters of SHA-256 (192 bits). The
 * same person at another provider is another account; the id never changes while the provider keeps `sub`.
 * @example providerUserId('https://id.example', '248289761001') // 'oidc_…'
 */
export function providerUserId(issuer: string, sub: string): string {
  const digest = createHash('sha256').update(issuer).update('\0').update(sub).digest('base64url')
  return `${PROVIDER_ACCOUNT_PREFIX}${digest.slice(0, 32)}`
}

/** A claim by exact name (Auth0's namespaced `https://…/roles` has dots), else by dotted path (`realm_access.roles`). */
export function claimAt(payload: Readonly<Record<string, unknown>>, name: string): unknown {
  if (name in payload) return payload[name]
  let value: unknown = payload
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/** The claim's values: a list of strings, or one string. */
function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

const usable = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0

/**
 * The account of a verified ID (or access) token:
 * - id: `providerUserId(iss, sub)`;
 * - username: `preferred_username`, else `email`, else `sub` (control characters dropped, trimmed, at most 64
 *   UTF-16 units: the protocol's bound) — a display name; nobody logs in with it;
 * - roles: `user` (every account has it), each other known role the roles claim names except `admin`, and `admin`
 *   only when the claim holds one of `adminValues`.
 */
export function accountFromClaims(claims: ProviderClaims, mapping: ClaimMapping): ProviderAccount {
  const { payload } = claims
  const sub = claims.sub as string
  const name =
    [payload.preferred_username, payload.email, sub]
      .filter(usable)
      .map(displayName)
      .find((n) => n.length > 0) ?? 'user'

  const values = claimValues(claimAt(payload, mapping.rolesClaim))
  const roles = new Set<Role>(['user'])
  for (const role of ROLES) if (role !== 'admin' && values.includes(role)) roles.add(role)
  if (values.some((v) => mapping.adminValues.includes(v))) roles.add('admin')
  return {
    id: providerUserId(claims.iss, sub),
    username: name,
    initialRoles: ROLES.filter((r) => roles.has(r)),
  }
}
