/**
 * @portcullis/protocol — the Portcullis WebSocket protocol v1: message schemas (TypeBox, also shipped as JSON Schema
 * under `@portcullis/protocol/schemas/<type>.json`), close codes, error codes, limits and parsers.
 */
export * from './limits.ts'
export * from './close-codes.ts'
export * from './error-codes.ts'
export * from './messages/index.ts'
export * from './security-feed.ts'
export { RoleSchema } from './messages/common.ts'
export {
  parseClientMessage,
  parseServerMessage,
  type ParseError,
  type ParseFailure,
  type ParseResult,
} from './parse.ts'
