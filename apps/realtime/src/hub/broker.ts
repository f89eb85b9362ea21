/** Writes a fan-out frame (a serialized `message`) to the local subscribers of a channel. */
export type Deliver = (channel: string, frame: Buffer | string) => void

/**
 * Cross-instance delivery of channel publishes (Centrifugo's `Broker`): publish and subscribe live together, so a
 * deployment swaps the transport in one place. `RedisBroker` is the production one; `MemoryBroker` serves unit tests.
 * Frames are serialized once by the publisher and written to sockets as they arrive.
 */
export interface Broker {
  /** Sends a frame to every instance with subscribers of `channel`. Rejects when the transport is unreachable. */
  publish(channel: string, frame: string): Promise<void>
  /** This instance starts receiving `channel` (reference-counted); resolves once the transport confirmed it. */
  join(channel: string): Promise<void>
  /** Releases one local subscriber of `channel`; the subscription goes with the last one. */
  leave(channel: string): void
}

/** Builds the hub's broker around the hub's delivery function. */
export type BrokerFactory = (deliver: Deliver) => Broker
