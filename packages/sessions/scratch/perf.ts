import { startRedisCluster, startRedisServer } from '@portcullis/testkit'
import { connectRedis, whenReady, hitFixedWindow, keys } from '../src/redis.ts'

const cluster = await startRedisCluster()
const single = await startRedisServer()
try {
  for (const [name, target] of [['single', { url: single.url }], ['cluster', { clusterNodes: cluster.seeds.split(',') }]] as const) {
    const redis = connectRedis(target as never)
    await whenReady(redis, 10000)
    const k = keys('p:')
    for (const round of [0, 1]) {
      const cpu0 = process.cpuUsage(); const t0 = performance.now()
      const N = 2000
      await Promise.all(Array.from({ length: N }, (_, i) => hitFixedWindow(redis, k.connectRate(`10.0.${i % 250}.1`), { windowMs: 60000, block: { key: k.ipBlock(`10.0.${i % 250}.1`) } })))
      await Promise.all(Array.from({ length: N }, (_, i) => redis.hmGet(k.session(`s${i}`), ['a', 'b'])))
      const cpu = process.cpuUsage(cpu0)
      console.log(name, round, 'ms', (performance.now() - t0).toFixed(0), 'cpu µs/op', ((cpu.user + cpu.system) / (2 * N)).toFixed(1))
    }
    await redis.close()
  }
} finally {
  await cluster.stop(); await single.stop()
}
