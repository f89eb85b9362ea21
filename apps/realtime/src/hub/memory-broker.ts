import type { Broker, Deliver } from './broker.ts'

/**
 * Brokers on one in-process bus, for unit tests of the hub without Redis: a publish reaches every broker of the bus
 * that joined the channel (so several hubs in one test behave like several instances).
 * @example const bus = new MemoryBus(); const hubA = new Hub({ ..., broker: (d) => bus.broker(d) })
 */
export class MemoryBus {
  readonly #brokers = new Set<MemoryBroker>()

  /** A broker on this bus delivering through `deliver`. */
  broker(deliver: Deliver): MemoryBroker {
    const broker = new MemoryBroker(this, deliver)
    this.#brokers.add(broker)
    return broker
  }

  /** @internal Delivers to every broker that joined the channel, on a later turn (like a network hop). */
  send(channel: string, frame: string): void {
    for (const broker of this.#brokers) queueMicrotask(() => broker.receive(channel, frame))
  }
}

/** One instance's broker on a `MemoryBus`. */
export class MemoryBroker implements Broker {
  readonly #bus: MemoryBus
  readonly #deliver: Deliver
  readonly #refs = new Map<string, number>()

  constructor(bus: MemoryBus, deliver: Deliver) {
    this.#bus = bus
    this.#deliver = deliver
  }

  async publish(channel: string, frame: string): Promise<void> {
    this.#bus.send(channel, frame)
  }

  async join(channel: string): Promise<void> {
    this.#refs.set(channel, (this.#refs.get(channel) ?? 0) + 1)
  }

  leave(channel: string): void {
    const n = (this.#refs.get(channel) ?? 0) - 1
    if (n > 0) this.#refs.set(channel, n)
    else this.#refs.delete(channel)
  }

  /** @internal */
  receive(channel: string, frame: string): void {
    if (this.#refs.has(channel)) this.#deliver(channel, frame)
  }
}
