import { Type, type Static } from 'typebox'
import { AuthRefreshSchema } from './client/auth-refresh.ts'
import { PingSchema } from './client/ping.ts'
import { PublishSchema } from './client/publish.ts'
import { SubscribeSchema } from './client/subscribe.ts'
import { UnsubscribeSchema } from './client/unsubscribe.ts'
import { AuthExpiringSchema } from './server/auth-expiring.ts'
import { AuthRefreshedSchema } from './server/auth-refreshed.ts'
import { ErrorMessageSchema } from './server/error.ts'
import { ChannelMessageSchema } from './server/message.ts'
import { PongSchema } from './server/pong.ts'
import { PublishedSchema } from './server/published.ts'
import { SessionUpdatedSchema } from './server/session-updated.ts'
import { SubscribedSchema } from './server/subscribed.ts'
import { UnsubscribedSchema } from './server/unsubscribed.ts'
import { WelcomeSchema } from './server/welcome.ts'

export * from './client/auth-refresh.ts'
export * from './client/ping.ts'
export * from './client/publish.ts'
export * from './client/subscribe.ts'
export * from './client/unsubscribe.ts'
export * from './server/auth-expiring.ts'
export * from './server/auth-refreshed.ts'
export * from './server/error.ts'
export * from './server/message.ts'
export * from './server/pong.ts'
export * from './server/published.ts'
export * from './server/session-updated.ts'
export * from './server/subscribed.ts'
export * from './server/unsubscribed.ts'
export * from './server/welcome.ts'

/** Schemas of client → server messages, by `type`. */
export const CLIENT_MESSAGE_SCHEMAS = {
  ping: PingSchema,
  subscribe: SubscribeSchema,
  unsubscribe: UnsubscribeSchema,
  publish: PublishSchema,
  'auth.refresh': AuthRefreshSchema,
} as const

/** Schemas of server → client messages, by `type`. */
export const SERVER_MESSAGE_SCHEMAS = {
  welcome: WelcomeSchema,
  pong: PongSchema,
  subscribed: SubscribedSchema,
  unsubscribed: UnsubscribedSchema,
  published: PublishedSchema,
  'auth.refreshed': AuthRefreshedSchema,
  message: ChannelMessageSchema,
  'auth.expiring': AuthExpiringSchema,
  'session.updated': SessionUpdatedSchema,
  error: ErrorMessageSchema,
} as const

/**
 * The reply `type` of each client request (an `error` with the same `id` may come instead).
 * @example REPLY_TYPES.subscribe // 'subscribed'
 */
export const REPLY_TYPES = {
  ping: 'pong',
  subscribe: 'subscribed',
  unsubscribe: 'unsubscribed',
  publish: 'published',
  'auth.refresh': 'auth.refreshed',
} as const satisfies Record<keyof typeof CLIENT_MESSAGE_SCHEMAS, keyof typeof SERVER_MESSAGE_SCHEMAS>

/** Every message a client may send: a closed union discriminated on `type`. */
export const ClientMessageSchema = Type.Union(
  [PingSchema, SubscribeSchema, UnsubscribeSchema, PublishSchema, AuthRefreshSchema],
  {
    $id: 'ClientMessage',
    description: 'Any client → server message.',
  },
)
export type ClientMessage = Static<typeof ClientMessageSchema>
export type ClientMessageType = ClientMessage['type']

/** Every message a server may send: a closed union discriminated on `type`. */
export const ServerMessageSchema = Type.Union(
  [
    WelcomeSchema,
    PongSchema,
    SubscribedSchema,
    UnsubscribedSchema,
    PublishedSchema,
    AuthRefreshedSchema,
    ChannelMessageSchema,
    AuthExpiringSchema,
    SessionUpdatedSchema,
    ErrorMessageSchema,
  ],
  {
    $id: 'ServerMessage',
    description: 'Any server → client message.',
  },
)
export type ServerMessage = Static<typeof ServerMessageSchema>
export type ServerMessageType = ServerMessage['type']

/** The client message with a given `type`. */
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>
/** The server message with a given `type`. */
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>
