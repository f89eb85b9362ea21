import { describe, expect, it, onTestFinished } from 'vitest'
import { StoreUnavailableError } from '../src/index.ts'
import { MemorySessionStore } from '../src/memory-store.ts'
import { session, storeContract, type StoreFactory } from './contract.ts'
import { listingContract } from './listing-contract.ts'

const memoryStore: StoreFactory = async (options) => {
  const store = new MemorySessionStore(options)
  onTestFinished(() => store.close())
  return store
}

storeContract('memory', memoryStore)
listingContract('memory', memoryStore, async (store, l) => {
  ;(store as MemorySessionStore).leaseConnection(l.userId, l.sid, l.connectionId, l.untilMs)
})

describe('MemorySessionStore', () => {
  it('expires sessions and tickets by its clock', async () => {
    let now = 1_000_000
    const store = new MemorySessionStore({ now: () => now })
    const s = session({ createdAt: now, expiresAt: now + 1000 })
    await store.createSession(s)
    await store.saveTicket(
      't',
      { sid: s.sid, userId: s.userId, origin: null, accessExp: 0, traceparent: null },
      1,
    )
    now += 1001
    expect(await store.getSession(s.sid)).toBeNull()
    expect(await store.consumeTicket('t')).toBeNull()
  })

  it('rejects every call while down and reports the link', async () => {
    const store = new MemorySessionStore()
    const links: boolean[] = []
    await store.subscribe(
      () => {},
      (up) => links.push(up),
    )
    store.setDown(true)
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(store.getSession('x')).rejects.toBeInstanceOf(StoreUnavailableError)
    store.setDown(false)
    await store.ping()
    expect(links).toEqual([true, false, true])
  })
})
