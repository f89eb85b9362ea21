/**
 * @portcullis/client — the typed Portcullis SDK for browsers and Node, built on `@portcullis/protocol`.
 * The public API is this file: the client, its options and events, and the error type. Everything else in `src/`
 * is internal (reach it through `PortcullisClient`).
 * @example
 * import { PortcullisClient } from '@portcullis/client'
 * const client = new PortcullisClient({ apiUrl: 'http://localhost:3001', realtimeUrl: 'ws://localhost:3002' })
 * await client.login('alice', 'alice-password')
 * await client.connect()
 */
export { PortcullisClient } from './client.ts'
export type { ClientEvents, ClientOptions, CloseInfo, ConnectionState } from './types.ts'
export type { DebugDetails, DebugLogger } from './debug.ts'
export { inboxChannel, inboxOwner, type InboxChannel } from './inbox.ts'
export type { AccessGrant, TokenProvider, TokenRequestReason } from './token-provider.ts'
export { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts'
export type { Unsubscribe } from './emitter.ts'
export { PortcullisError, type ErrorSource, type PortcullisErrorCode } from './errors.ts'
export type {
  AdminPage,
  AdminPageQuery,
  AdminSession,
  ExchangeRequest,
  HttpOptions,
  LoginReply,
  TokenPair,
  UserInfo,
} from './http.ts'
export type { ReplyMap } from './pending.ts'
export type { RateBudget } from './rate-budget.ts'
export type { LoggedOutReason, SessionOptions } from './session.ts'
export type { AuthMode, WebSocketFactory, WebSocketLike } from './transport.ts'
