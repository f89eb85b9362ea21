export { createRedisClient, reconnectDelay, type RedisClient, type RedisClientOptions } from './client.ts'
export { RedisSessionStore, type RedisSessionStoreOptions } from './redis-store.ts'
export { keys, connectionLease, sessionIndexMember, type Keys } from './keys.ts'
export {
  FIXED_WINDOW_HIT,
  hitFixedWindow,
  retryAfterSeconds,
  type FixedWindowOptions,
  type WindowCount,
} from './fixed-window.ts'
export {
  watchStoreConnection,
  storeAddress,
  type ConnectionLogger,
  type StoreConnectionWatch,
} from './connection-log.ts'
