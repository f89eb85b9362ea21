import { afterAll, beforeAll } from 'vitest'
import { startRedisCluster, type RedisCluster } from './redis-cluster.ts'

// Its own subpath (`@portcullis/testkit/cluster/vitest`): it registers vitest hooks, and `@portcullis/testkit/cluster`
// also serves the benchmark and the soak, which run outside vitest.

/**
 * Starts one Redis Cluster for the calling test file (`startRedisCluster(options)` in `beforeAll`, up to 60 s; 3
 * masters + 3 replicas by default) and stops it in `afterAll`. Call it at the top of the file; the returned getter
 * gives the cluster inside tests and hooks, and throws if called before `beforeAll` ran. Six `redis-server`
 * processes a file: let such files run one at a time on small machines.
 * @example
 * const cluster = useRedisCluster()
 * it('serves every slot', async () => {
 *   expect(await cluster().masters()).toHaveLength(3)
 * })
 */
export function useRedisCluster(options?: Parameters<typeof startRedisCluster>[0]): () => RedisCluster {
  let cluster: RedisCluster | undefined
  beforeAll(async () => {
    cluster = await startRedisCluster(options)
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
  })
  return () => {
    if (!cluster)
      throw new Error('useRedisCluster(): the cluster is started in beforeAll; use it in a test or hook')
    return cluster
  }
}
