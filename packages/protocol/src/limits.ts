/** Protocol version carried by this package; bumped only for breaking changes (see docs/reference/protocol.md). */
export const PROTOCOL_VERSION = 1 as const

/** The WebSocket subprotocol a v1 client offers and the server selects. */
export const SUBPROTOCOL = 'portcullis.v1' as const

/** Prefix of the subprotocol entry that carries a bearer JWT (`portcullis.bearer.<jwt>`); never echoed. */
export const BEARER_SUBPROTOCOL_PREFIX = 'portcullis.bearer.' as const

/** Client message `id`: 1–64 characters. */
export const MAX_ID_LENGTH = 64

/** `text` of a publish: 1–2000 Unicode code points. */
export const MAX_TEXT_CODE_POINTS = 2000

/** Default server cap on one frame, in bytes (`MAX_MESSAGE_BYTES`). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16_384

/** The name part of `public:<name>` and `admin:<name>`. */
export const CHANNEL_NAME_PATTERN = '[a-z0-9_-]{1,64}'

/** A user id as it appears in `user:<userId>` and in `sub`. */
export const USER_ID_PATTERN = '[A-Za-z0-9_-]{1,64}'

/** Any channel the protocol can name: `public:<name>`, `admin:<name>`, `user:<userId>`. */
export const CHANNEL_PATTERN = `^(?:(?:public|admin):${CHANNEL_NAME_PATTERN}|user:${USER_ID_PATTERN})$`

/** Roles a user can hold. */
export const ROLES = ['user', 'admin'] as const
export type Role = (typeof ROLES)[number]
