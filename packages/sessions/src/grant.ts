import { ROLES, type Role } from '@portcullis/protocol'
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import type { SessionRecord, TicketGrant } from './types.ts'

const TicketGrantSchema = Type.Object({
  sid: Type.String(),
  userId: Type.String(),
  origin: Type.Union([Type.String(), Type.Null()]),
  accessExp: Type.Number(),
  traceparent: Type.Union([Type.String(), Type.Null()]),
  kid: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
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

/** The session hash fields `parseSession` reads (`HMGET` them, in this order, not `HGETALL`). */
export const SESSION_FIELDS = ['userId', 'username', 'createdAt', 'expiresAt', 'endsAt'] as const

/** An epoch-ms field as stored: a decimal integer string, else NaN (`Number('')` would be 0). */
function epochMs(raw: string | null | undefined): number {
  return raw && /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN
}

/**
 * Builds a SessionRecord from the stored `SESSION_FIELDS` values; null when missing or incomplete (a session
 * stored without a valid `endsAt` counts as none: fail closed), or past `expiresAt` or `endsAt`.
 */
export function parseSession(
  sid: string,
  fields: ReadonlyArray<string | null | undefined>,
  now: number,
): SessionRecord | null {
  const [userId, username] = fields
  const [createdAt, expiresAt, endsAt] = fields.slice(2).map(epochMs) as [number, number, number]
  if (!userId || typeof username !== 'string') return null
  if (!Number.isFinite(createdAt) || !Number.isFinite(expiresAt) || !Number.isFinite(endsAt)) return null
  if (expiresAt <= now || endsAt <= now) return null
  return { sid, userId, username, createdAt, expiresAt: Math.min(expiresAt, endsAt), endsAt }
}

/** `SESSION_FIELDS` and `refreshedAt`: what the admin listing reads of each session (`HMGET`, in this order). */
export const LISTING_FIELDS = [...SESSION_FIELDS, 'refreshedAt'] as const

/** A live session and when it was last refreshed, as the listing reads it. */
export type ListedSession = SessionRecord & { refreshedAt: number }

/**
 * `parseSession` of the `LISTING_FIELDS` values, with `refreshedAt` (ms): the last rotation, or `createdAt` for a
 * session never refreshed.
 */
export function parseListed(
  sid: string,
  fields: ReadonlyArray<string | null | undefined>,
  now: number,
): ListedSession | null {
  const session = parseSession(sid, fields, now)
  if (!session) return null
  const refreshedAt = epochMs(fields[SESSION_FIELDS.length])
  return { ...session, refreshedAt: Number.isFinite(refreshedAt) ? refreshedAt : session.createdAt }
}
