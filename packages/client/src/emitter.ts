/** A listener map: event name → payload type (an interface or type literal). */
export type EventMap = object

/** Returned by `on`: call it to remove the listener. */
export type Unsubscribe = () => void

/**
 * A small typed event emitter that works the same in browsers and Node (no `node:events`).
 * A throwing listener never breaks the emitter or the other listeners: the throw is reported
 * to `onListenerError` (default: `console.error`).
 */
export class TypedEmitter<Events extends EventMap> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>()
  readonly #onListenerError: (error: unknown) => void

  constructor(onListenerError: (error: unknown) => void = (error) => console.error(error)) {
    this.#onListenerError = onListenerError
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): Unsubscribe {
    let set = this.#listeners.get(event)
    if (!set) this.#listeners.set(event, (set = new Set()))
    set.add(listener as (payload: never) => void)
    return () => this.off(event, listener)
  }

  /** Adds a listener that runs at most once. */
  once<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): Unsubscribe {
    const off = this.on(event, (payload) => {
      off()
      listener(payload)
    })
    return off
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): void {
    this.#listeners.get(event)?.delete(listener as (payload: never) => void)
  }

  /** Number of listeners of an event (lets callers know whether an `error` would go unheard). */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0
  }

  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event)
    if (!set) return
    // Iterating a Set while a `once` listener deletes itself is safe (deleted entries are skipped).
    for (const listener of set) {
      try {
        ;(listener as (payload: Events[K]) => void)(payload)
      } catch (error) {
        this.#onListenerError(error)
      }
    }
  }
}
