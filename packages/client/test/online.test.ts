import { describe, expect, it } from 'vitest'
import { watchOnline } from '../src/online.ts'

function browserScope(onLine = true) {
  const target = new EventTarget()
  return {
    target,
    scope: {
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: target.removeEventListener.bind(target),
      navigator: { onLine },
    },
  }
}

describe('watchOnline', () => {
  it('calls back on the browser’s online event until stopped', () => {
    const { target, scope } = browserScope()
    let calls = 0
    const stop = watchOnline(() => calls++, scope)
    target.dispatchEvent(new Event('online'))
    target.dispatchEvent(new Event('offline'))
    expect(calls).toBe(1)
    stop()
    target.dispatchEvent(new Event('online'))
    expect(calls).toBe(1)
  })

  it('is a no-op where there is no online event (Node: no navigator.onLine, no global addEventListener)', () => {
    const { target, scope } = browserScope()
    let calls = 0
    const stop = watchOnline(() => calls++, { ...scope, navigator: {} })
    target.dispatchEvent(new Event('online'))
    expect(calls).toBe(0)
    expect(() => stop()).not.toThrow()
    // The real Node global scope.
    expect(() => watchOnline(() => calls++)()).not.toThrow()
    expect(typeof (globalThis as { addEventListener?: unknown }).addEventListener).not.toBe('function')
  })
})
