import { Type } from 'typebox'
import { CHANNEL_PATTERN, MAX_ID_LENGTH, MAX_TEXT_CODE_POINTS } from '../limits.ts'

/** Options every message object shares: closed (unknown fields are rejected). */
export const closed = { additionalProperties: false } as const

export const RequestId = Type.String({
  minLength: 1,
  maxLength: MAX_ID_LENGTH,
  description: 'Client-chosen request id (1–64 characters); the reply echoes it.',
})

export const Channel = Type.String({
  pattern: CHANNEL_PATTERN,
  maxLength: 70,
  description: 'Channel name: `public:<name>`, `admin:<name>` or `user:<userId>`.',
})

/** Length bounds in UTF-16 units; the parser also checks 1–2000 Unicode code points. */
export const Text = Type.String({
  minLength: 1,
  maxLength: MAX_TEXT_CODE_POINTS * 2,
  description: 'Plain text, 1–2000 Unicode code points. Clients render it as text, never as HTML.',
})

export const EpochMs = Type.Integer({ minimum: 0, description: 'Time as epoch milliseconds.' })

/**
 * A role (`ROLES`): the one schema of a role, also used by the api's routes and the session events.
 * @example Type.Array(RoleSchema, { maxItems: 8 })
 */
export const RoleSchema = Type.Union([Type.Literal('user'), Type.Literal('admin')], {
  description: 'A role.',
})

export const Roles = Type.Array(RoleSchema, { maxItems: 8, description: 'Current roles of the user.' })

export const MessageId = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'Server-assigned id of a published message.',
})
