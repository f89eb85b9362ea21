export type { LuaScript, RedisConnection, RedisSubscriber, SetExpiry } from './connection.ts'
export { lua } from './connection.ts'
export {
  connectRedis,
  redisAddress,
  redisConnection,
  redisTarget,
  whenReady,
  type ConnectRedisOptions,
  type RedisTarget,
} from './connect.ts'
export {
  createRedisClient,
  createRedisCluster,
  reconnectDelay,
  type RedisClient,
  type RedisClientOptions,
  type RedisCluster,
} from './client.ts'
export { RedisSessionStore, type RedisSessionStoreOptions } from './redis-store.ts'
export { keys, connectionLease, sessionIndexMember, type Keys } from './keys.ts'
export { EVENT_PARTITIONS, partitionOf } from './partitions.ts'
export { keySlot } from './slots.ts'
export {
  FIXED_WINDOW,
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
