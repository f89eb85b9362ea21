/**
 * Redis keys of the realtime server, all under `REDIS_KEY_PREFIX` + `rt:`. Keys one script touches together share
 * a `{…}` hash tag (Redis Cluster). IPs are used as they are (IPv6 colons are fine in keys).
 */
export interface RtKeys {
  /** Fixed-window connect counter of an IP (checked with the block in one script). */
  connectRate(ip: string): string
  /** Fixed-window failed-authentication counter of an IP. */
  authFailures(ip: string): string
  /** Present while the IP is blocked. */
  ipBlock(ip: string): string
  /** Sorted set of the user's live connection ids, scored by lease expiry (ms), across all instances. */
  userConnections(userId: string): string
  /** Hash `{t: tokens, ts: ms}`: the user's message token bucket across all instances. */
  userMessageBucket(userId: string): string
  /** Pub/sub channel that carries one protocol channel's publishes between instances. */
  fanout(channel: string): string
  /** Pattern covering every fan-out channel (for diagnostics). */
  fanoutPrefix: string
}

export function rtKeys(prefix: string): RtKeys {
  const p = `${prefix}rt:`
  return {
    connectRate: (ip) => `${p}ip:{${ip}}:connect`,
    authFailures: (ip) => `${p}ip:{${ip}}:fail`,
    ipBlock: (ip) => `${p}ip:{${ip}}:block`,
    userConnections: (userId) => `${p}user:{${userId}}:conns`,
    userMessageBucket: (userId) => `${p}user:{${userId}}:msg`,
    fanout: (channel) => `${p}ch:${channel}`,
    fanoutPrefix: `${p}ch:`,
  }
}
