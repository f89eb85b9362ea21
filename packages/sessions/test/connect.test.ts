import { setTimeout as sleep } from 'node:timers/promises'
import { ErrorReply } from 'redis'
import { describe, expect, it } from 'vitest'
import { guardResubscription, redisTarget } from '../src/connect.ts'
import { StoreUnavailableError } from '../src/index.ts'
import { storeFailure } from '../src/errors.ts'
import type { RedisCluster } from '../src/client.ts'

describe('redisTarget', () => {
  it('is the cluster when REDIS_CLUSTER_NODES lists seeds, else REDIS_URL', () => {
    expect(redisTarget({ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: [] })).toEqual({ url: 'redis://a:1' })
    expect(redisTarget({ REDIS_URL: 'redis://a:1' })).toEqual({ url: 'redis://a:1' })
    expect(redisTarget({ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: ['redis://b:2'] })).toEqual({
      clusterNodes: ['redis://b:2'],
    })
  })
})

describe('storeFailure: what counts as the store being unavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a client offline while reconnecting', new Error('The client is offline')],
    ['a cluster that is down', new ErrorReply('CLUSTERDOWN The cluster is down')],
    ['a slot being moved', new ErrorReply('TRYAGAIN Multiple keys request during rehashing of slot')],
    [
      'a demoted master during a failover',
      new ErrorReply("READONLY You can't write against a read only replica."),
    ],
    ['a server loading its data', new ErrorReply('LOADING Redis is loading the dataset in memory')],
    ['refused credentials', new ErrorReply('WRONGPASS invalid username-password pair or user is disabled.')],
  ])('%s → StoreUnavailableError with the cause', (_name, err) => {
    const mapped = storeFailure(err)
    expect(mapped).toBeInstanceOf(StoreUnavailableError)
    expect(mapped).toMatchObject({ code: 'STORE_ERR_UNAVAILABLE', statusCode: 503, cause: err })
  })

  it('passes a reply that says the call was wrong through unchanged (a bug, not an outage)', () => {
    for (const err of [
      new ErrorReply('WRONGTYPE Operation against a key'),
      new ErrorReply('ERR user_script:1: oops'),
    ])
      expect(storeFailure(err)).toBe(err)
    const already = new StoreUnavailableError()
    expect(storeFailure(already)).toBe(already)
  })
})

describe('guardResubscription', () => {
  it("handles a rejection of node-redis's unawaited re-subscription (no unhandled rejection), callers still see it", async () => {
    const seen: unknown[] = []
    const boom = new ErrorReply('CLUSTERDOWN The cluster is down')
    const fake = { sSubscribe: () => Promise.reject(boom) }
    guardResubscription(fake as unknown as RedisCluster, (err) => seen.push(err))
    void fake.sSubscribe() // as node-redis calls it: the promise is dropped
    await expect(fake.sSubscribe()).rejects.toBe(boom)
    await sleep(10)
    expect(seen).toEqual([boom, boom])
  })
})
