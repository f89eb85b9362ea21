import { afterEach, describe, expect, it, vi } from 'vitest'
import { PortcullisError } from '../src/errors.ts'
import { PendingRequests } from '../src/pending.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('PendingRequests (replies matched by id)', () => {
  it('resolves each request with the reply carrying its id, whatever the order', async () => {
    const pending = new PendingRequests(1000, 'p')
    const a = pending.add('subscribe')
    const b = pending.add('publish')
    expect(a.id).not.toBe(b.id)
    expect(a.id.length).toBeLessThanOrEqual(64)
    expect(pending.settle({ type: 'published', id: b.id, channel: 'public:lobby', messageId: 'm1' })).toBe(
      true,
    )
    expect(pending.settle({ type: 'subscribed', id: a.id, channel: 'public:lobby' })).toBe(true)
    await expect(b.reply).resolves.toMatchObject({ type: 'published', messageId: 'm1' })
    await expect(a.reply).resolves.toMatchObject({ type: 'subscribed' })
    expect(pending.size).toBe(0)
  })

  it('rejects with the typed code of an error frame', async () => {
    const pending = new PendingRequests(1000, 'p')
    const r = pending.add('publish')
    pending.settle({ type: 'error', id: r.id, code: 'rate_limited', message: 'slow down', retryAfterMs: 250 })
    const error = await r.reply.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PortcullisError)
    expect(error).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 250,
      requestId: r.id,
      source: 'socket',
    })
  })

  it('ignores pushes, unknown ids and replies of the wrong type', () => {
    const pending = new PendingRequests(1000, 'p')
    const r = pending.add('subscribe')
    void r.reply.catch(() => {})
    expect(pending.settle({ type: 'session.updated', roles: ['user'] })).toBe(false)
    expect(pending.settle({ type: 'pong', id: 'p-999' })).toBe(false)
    expect(pending.settle({ type: 'pong', id: r.id })).toBe(false)
    expect(pending.size).toBe(1)
    pending.failAll(new PortcullisError('not_connected', 'closed', { source: 'socket' }))
    expect(pending.size).toBe(0)
  })

  it('times out a request that gets no reply', async () => {
    vi.useFakeTimers()
    const pending = new PendingRequests(5000, 'p')
    const r = pending.add('ping')
    const settled = r.reply.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(4999)
    expect(pending.size).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    await expect(settled).resolves.toMatchObject({ code: 'timeout' })
    // The late reply is not matched to anything.
    expect(pending.settle({ type: 'pong', id: r.id })).toBe(false)
  })

  it('rejects every waiter when the socket closes', async () => {
    const pending = new PendingRequests(1000, 'p')
    const replies = [pending.add('ping').reply, pending.add('subscribe').reply]
    pending.failAll(new PortcullisError('not_connected', 'closed 1006', { source: 'socket' }))
    for (const reply of replies) await expect(reply).rejects.toMatchObject({ code: 'not_connected' })
  })
})
