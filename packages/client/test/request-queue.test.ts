import { afterEach, describe, expect, it, vi } from 'vitest'
import { PortcullisError } from '../src/errors.ts'
import { RequestQueue } from '../src/request-queue.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('RequestQueue (requests waiting for a socket)', () => {
  it('hands requests out in call order and settles each with what the sender resolves', async () => {
    const queue = new RequestQueue(10)
    const a = queue.add({ type: 'ping' }, Date.now() + 1000)
    const b = queue.add({ type: 'publish', channel: 'public:lobby', text: 'hi' }, Date.now() + 1000)
    expect(queue.size).toBe(2)
    const first = queue.shift()!
    expect(first.message).toEqual({ type: 'ping' })
    first.resolve(Promise.resolve('pong'))
    queue.shift()!.resolve(Promise.resolve('published'))
    await expect(a).resolves.toBe('pong')
    await expect(b).resolves.toBe('published')
    expect(queue.size).toBe(0)
  })

  it('refuses a request at once past its bound, and keeps the ones it holds', async () => {
    const queue = new RequestQueue(2)
    const held = [
      queue.add({ type: 'ping' }, Date.now() + 1000),
      queue.add({ type: 'ping' }, Date.now() + 1000),
    ]
    await expect(queue.add({ type: 'ping' }, Date.now() + 1000)).rejects.toMatchObject({
      code: 'not_connected',
      message: expect.stringContaining('2 requests already wait'),
    })
    expect(queue.size).toBe(2)
    queue.shift()!.resolve(Promise.resolve('ok'))
    queue.shift()!.resolve(Promise.resolve('ok'))
    await expect(Promise.all(held)).resolves.toEqual(['ok', 'ok'])
  })

  it('times each request out at its own deadline', async () => {
    vi.useFakeTimers()
    const queue = new RequestQueue(10)
    const early = queue.add({ type: 'ping' }, Date.now() + 1000).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(600)
    const late = queue.add({ type: 'ping' }, Date.now() + 1000).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(400)
    await expect(early).resolves.toMatchObject({ code: 'timeout', source: 'client' })
    expect(queue.size).toBe(1)
    await vi.advanceTimersByTimeAsync(599)
    expect(queue.size).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    await expect(late).resolves.toMatchObject({ code: 'timeout' })
    expect(queue.size).toBe(0)
  })

  it('stops a request’s timer once it is taken, and rejects what is left on rejectAll', async () => {
    vi.useFakeTimers()
    const queue = new RequestQueue(10)
    const taken = queue.add({ type: 'ping' }, Date.now() + 100)
    const left = queue.add({ type: 'ping' }, Date.now() + 100).catch((e: unknown) => e)
    const entry = queue.shift()!
    await vi.advanceTimersByTimeAsync(1000)
    entry.resolve(Promise.resolve('late but sent'))
    await expect(taken).resolves.toBe('late but sent')
    await expect(left).resolves.toMatchObject({ code: 'timeout' })
    const third = queue.add({ type: 'ping' }, Date.now() + 1000).catch((e: unknown) => e)
    queue.rejectAll(new PortcullisError('not_connected', 'stopped', { source: 'client' }))
    await expect(third).resolves.toMatchObject({ code: 'not_connected', message: 'stopped' })
  })
})
