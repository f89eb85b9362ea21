/**
 * @portcullis/client — the typed Portcullis SDK for browsers and Node, built on `@portcullis/protocol`.
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
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts'
export { TypedEmitter, type EventMap, type Unsubscribe } from './emitter.ts'
export {
  PortcullisError,
  codeForStatus,
  parseRetryAfter,
  type ErrorSource,
  type PortcullisErrorCode,
  type PortcullisErrorOptions,
} from './errors.ts'
export {
  ApiClient,
  type HttpOptions,
  type LoginReply,
  type Ticket,
  type TokenPair,
  type UserInfo,
} from './http.ts'
export { PendingRequests, type ReplyMap } from './pending.ts'
export { RateBudgetMirror, type RateBudget } from './rate-budget.ts'
export { stepAfterClose, stepAfterFailure, type PolicyInput, type ReconnectStep } from './reconnect-policy.ts'
export { type LoggedOutReason, type SessionOptions } from './session.ts'
export {
  dial,
  endpointUrl,
  globalWebSocketFactory,
  refusedUpgradeStatus,
  type AuthMode,
  type Dial,
  type WebSocketFactory,
  type WebSocketLike,
} from './transport.ts'
