import { describe, expect, test } from 'vitest'
import { Pacer } from '../src/net/pacer.ts'
import { allLoopback, canBind, planSources } from '../src/net/sources.ts'

function clocked() {
  let now = 1_000_000
  const slept: number[] = []
  const pacer = new Pacer(
    { connectPerMin: 4, authFailuresPerMin: 3, loginPerMin: 30 },
    { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) },
  )
  return { pacer, slept, advance: (ms: number) => (now += ms) }
}

describe('Pacer', () => {
  test('keeps each address one below each limit within any minute, waiting for the oldest event to age out', async () => {
    const { pacer, slept, advance } = clocked()
    for (let i = 0; i < 2; i++) {
      await pacer.reserve('a', { upgrade: 1, authFailure: 1 })
      pacer.record('a', 'upgrade')
      pacer.record('a', 'authFailure')
      advance(1000)
    }
    expect(slept).toEqual([])
    // The third failure would be the limit-th (3): wait until the first leaves the 60 s window.
    await pacer.reserve('a', { authFailure: 1 })
    expect(slept).toEqual([58_001])
    // Another address has its own window.
    await pacer.reserve('b', { upgrade: 3, authFailure: 2 })
    expect(slept).toHaveLength(1)
    expect(pacer.waitedMs).toBe(58_001)
  })

  test('a batch reserves room for all of it; one larger than the window waits for an empty window', async () => {
    const { pacer, slept } = clocked()
    pacer.record('a', 'upgrade')
    await pacer.reserve('a', { upgrade: 10 })
    expect(slept).toEqual([60_001])
  })
})

describe('source addresses', () => {
  test('loopback detection: IP literals and names resolving to loopback only', async () => {
    expect(await allLoopback(['127.0.0.1', '127.8.9.10', 'localhost'])).toBe(true)
    expect(await allLoopback(['127.0.0.1', '192.0.2.10'])).toBe(false)
    // IPv6 loopback alone cannot be reached from a 127.x source address.
    expect(await allLoopback(['::1'])).toBe(false)
  })

  test.runIf(process.platform === 'linux')(
    'on Linux, auto gives each case its own 127.a.b.n address',
    async () => {
      expect(await canBind('127.11.12.13')).toBe(true)
      const plan = await planSources('auto', ['127.0.0.1'])
      expect(plan.perCase).toBe(true)
      const [a, b] = [plan.addressFor(0)!, plan.addressFor(1)!]
      expect(a).toMatch(/^127\.\d+\.\d+\.1$/)
      expect(b).toBe(a.replace(/\.1$/, '.2'))
      expect(plan.addressFor(254)).toBe(a)
    },
  )

  test('a remote target, os, and an explicit list', async () => {
    expect((await planSources('auto', ['192.0.2.10'])).perCase).toBe(false)
    expect((await planSources('os', ['127.0.0.1'])).addressFor(0)).toBeUndefined()
    const list = await planSources(['127.0.0.2', '127.0.0.3'], ['127.0.0.1'])
    expect([0, 1, 2].map((i) => list.addressFor(i))).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.2'])
    expect(list.perCase).toBe(true)
    expect((await planSources(['127.0.0.2'], [])).perCase).toBe(false)
  })

  test('an address the host cannot bind is reported as such', async () => {
    expect(await canBind('192.0.2.123')).toBe(false)
  })
})
