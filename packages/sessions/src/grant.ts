import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import type { Role, SessionRecord, TicketGrant } from './types.ts'
import { ROLES } from './types.ts'

const TicketGrantSchema = Type.Object({
  sid: Type.String(),
  userId: Type.String(),
  origin: Type.Union([Type.String(), Type.Null()]),
  accessExp: Type.Number(),
  traceparent: Type.Union([Type.String(), Type.Null()]),
})
const grantValidator = Compile(TicketGrantSchema)

/** Parses a stored ticket grant; null when corrupt (treated as no ticket: fail closed). */
export function parseGrant(raw: string | null): TicketGrant | null {
  if (raw === null) return null
  try {
    const value: unknown = JSON.parse(raw)
    return grantValidator.Check(value) ? value : null
  } catch {
    return null
  }
}

/** Parses a stored role list; null when absent or corrupt. */
export function parseRoles(raw: string | null): Role[] | null {
  if (raw === null) return null
  try {
    const value: unknown = JSON.parse(raw)
    if (!Array.isArray(value) || !value.every((r) => (ROLES as readonly unknown[]).includes(r))) return null
    return value as Role[]
  } catch {
    return null
  }
}

/** Builds a SessionRecord from a stored hash; null when empty, incomplete or past `expiresAt`. */
export function parseSession(sid: string, h: Record<string, string>, now: number): SessionRecord | null {
  const { userId, username } = h
  const createdAt = Number(h.createdAt)
  const expiresAt = Number(h.expiresAt)
  if (!userId || username === undefined || !Number.isFinite(createdAt) || !Number.isFinite(expiresAt))
    return null
  if (expiresAt <= now) return null
  return { sid, userId, username, createdAt, expiresAt }
}
