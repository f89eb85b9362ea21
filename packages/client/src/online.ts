/** The parts of a browser's global scope `watchOnline` uses. */
interface OnlineScope {
  addEventListener?: (type: string, listener: () => void) => void
  removeEventListener?: (type: string, listener: () => void) => void
  navigator?: { onLine?: unknown }
}

/**
 * Calls `onOnline` on the browser's `online` event (the network came back); returns a function that stops
 * listening. A no-op where there is no such event: Node has no `addEventListener` on `globalThis` and no
 * `navigator.onLine`.
 */
export function watchOnline(
  onOnline: () => void,
  scope: OnlineScope = globalThis as OnlineScope,
): () => void {
  const { addEventListener, removeEventListener, navigator } = scope
  if (typeof addEventListener !== 'function' || typeof removeEventListener !== 'function') return () => {}
  if (typeof navigator?.onLine !== 'boolean') return () => {}
  const listener = () => onOnline()
  addEventListener.call(scope, 'online', listener)
  return () => removeEventListener.call(scope, 'online', listener)
}
