import { createCluster } from 'redis'
import { expect, it } from 'vitest'
import { useRedisCluster } from '../src/use-redis-cluster.ts'

const cluster = useRedisCluster()

it('starts 3 masters + 3 replicas that serve every slot; seeds list every node', async () => {
  expect(cluster().nodes).toHaveLength(6)
  expect(cluster().seeds.split(',')).toHaveLength(6)
  expect(await cluster().masters()).toHaveLength(3)
  const client = createCluster({ rootNodes: cluster().nodes.map((n) => ({ url: n.url })) })
  client.on('error', () => {})
  await client.connect()
  // Keys in different slots land on different masters, and read back.
  for (let i = 0; i < 20; i++) await client.set(`k${i}`, String(i))
  expect(await client.get('k7')).toBe('7')
  await client.close()
})

it(
  'kill -9 of a master: its replica is promoted and the killed node rejoins as a replica',
  { timeout: 60_000 },
  async () => {
    const before = await cluster().masters()
    const { killed, promoted } = await cluster().killMaster()
    expect(before).toContain(killed)
    expect(before).not.toContain(promoted)
    const after = await cluster().masters()
    expect(after).toContain(promoted)
    expect(after).not.toContain(killed)
    expect(after).toHaveLength(3)
    await cluster().restart(killed)
    expect(await cluster().masters()).not.toContain(killed)
  },
)
