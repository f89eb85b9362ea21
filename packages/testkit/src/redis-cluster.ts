import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { createClient } from 'redis'
import { startRedisServer, type RedisServer } from './redis-server.ts'

const run = promisify(execFile)

// A subpath of its own (`@portcullis/testkit/cluster`), not in the index: it loads `redis`, which must not be
// loaded before the telemetry tests install their instrumentation.

/** A throwaway Redis Cluster of real `redis-server` processes on loopback. */
export interface RedisCluster {
  /** Every node, masters and replicas. */
  readonly nodes: ReadonlyArray<{ readonly port: number; readonly url: string }>
  /** `REDIS_CLUSTER_NODES`: the nodes' URLs, comma-separated. */
  readonly seeds: string
  /** Ports of the nodes that are masters now (failovers change it). */
  masters(): Promise<number[]>
  /**
   * Kills a master with SIGKILL (default: the one owning slot 0, or the one on `port`) and resolves once a replica
   * took over and every slot is served again. Returns the killed and the promoted port.
   */
  killMaster(port?: number): Promise<{ killed: number; promoted: number }>
  /** Restarts a killed node on its port; it rejoins as a replica of its old shard. */
  restart(port: number): Promise<void>
  /** Stops every node and removes their data directories. */
  stop(): Promise<void>
}

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })

/** A TCP port that is free, whose cluster bus port (+10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    if (taken.has(port) || taken.has(port + 10_000)) continue
    if ((await isFree(port)) && (await isFree(port + 10_000))) {
      taken.add(port).add(port + 10_000)
      return port
    }
  }
}

/** `CLUSTER INFO` and `ROLE` of one node, or null when it does not answer. */
async function nodeState(port: number): Promise<{ ok: boolean; master: boolean; linkUp: boolean } | null> {
  const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } })
  client.on('error', () => {})
  try {
    await client.connect()
    const info = await client.sendCommand<string>(['CLUSTER', 'INFO'])
    const replication = await client.sendCommand<string>(['INFO', 'replication'])
    return {
      ok: /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info),
      master: /role:master/.test(replication),
      linkUp: /role:master/.test(replication) || /master_link_status:up/.test(replication),
    }
  } catch {
    return null
  } finally {
    client.destroy()
  }
}

/** Slot ranges and the port of the master serving each, as node `via` sees them. */
async function slotOwners(via: number): Promise<Array<{ from: number; to: number; port: number }>> {
  const client = createClient({ url: `redis://127.0.0.1:${via}`, socket: { reconnectStrategy: false } })
  client.on('error', () => {})
  await client.connect()
  try {
    const ranges = await client.sendCommand<Array<[number, number, [string, number, ...unknown[]]]>>([
      'CLUSTER',
      'SLOTS',
    ])
    return ranges.map(([from, to, master]) => ({ from, to, port: Number(master[1]) }))
  } finally {
    client.destroy()
  }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`redis cluster: timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

/**
 * Starts a Redis Cluster of `masters` masters with `replicas` replicas each (default 3 + 3) — real `redis-server`
 * processes with `--cluster-enabled yes`, joined by `redis-cli --cluster create` — and resolves once every slot is
 * served and every replica is in sync. A short `cluster-node-timeout` (1 s) makes failover quick enough for tests.
 * @example const cluster = await startRedisCluster(); env.REDIS_CLUSTER_NODES = cluster.seeds; await cluster.stop()
 */
export async function startRedisCluster(
  options: { masters?: number; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<RedisCluster> {
  const masters = options.masters ?? 3
  const replicas = options.replicas ?? 1
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-cluster-'))
  const taken = new Set<number>()
  const ports: number[] = []
  for (let i = 0; i < masters * (1 + replicas); i++) ports.push(await freeClusterPort(taken))
  const args = (port: number): string[] => [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    String(options.nodeTimeoutMs ?? 1000),
    '--dir',
    dir,
  ]
  const servers = new Map<number, RedisServer>()
  const stopAll = async (): Promise<void> => {
    await Promise.all([...servers.values()].map((s) => s.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await Promise.all(
      ports.map(async (port) => servers.set(port, await startRedisServer({ port, args: args(port) }))),
    )
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    ).catch((err: unknown) => {
      throw new Error(
        `redis-cli --cluster create failed (apt-get install redis-tools): ${(err as Error).message}`,
      )
    })
    await until('every slot served and every replica in sync', 30_000, async () => {
      const states = await Promise.all(ports.map(nodeState))
      return (
        states.every((s) => s !== null && s.ok && s.linkUp) &&
        states.filter((s) => s?.master).length === masters
      )
    })
  } catch (err) {
    await stopAll()
    throw err
  }

  const alive = (): number[] => ports.filter((p) => servers.has(p))
  const cluster: RedisCluster = {
    nodes: ports.map((port) => ({ port, url: `redis://127.0.0.1:${port}` })),
    seeds: ports.map((port) => `redis://127.0.0.1:${port}`).join(','),
    async masters() {
      const states = await Promise.all(alive().map(async (p) => [p, await nodeState(p)] as const))
      return states.filter(([, s]) => s?.master).map(([p]) => p)
    },
    async killMaster(port) {
      const owners = await slotOwners(alive()[0]!)
      const killed = port ?? owners.find((r) => r.from === 0)!.port
      const server = servers.get(killed)
      if (!server) throw new Error(`no running node on port ${killed}`)
      // A slot of the killed master, to see who serves it afterwards.
      const slot = owners.find((r) => r.port === killed)?.from
      if (slot === undefined) throw new Error(`${killed} is not a master`)
      await server.kill()
      servers.delete(killed)
      let promoted = 0
      await until(`a replica to take over from ${killed}`, 30_000, async () => {
        const others = alive()
        const states = await Promise.all(others.map(nodeState))
        if (!states.every((s) => s?.ok)) return false
        const now = await slotOwners(others[0]!).catch(() => [])
        promoted = now.find((r) => slot >= r.from && slot <= r.to)?.port ?? 0
        return promoted !== 0 && promoted !== killed
      })
      return { killed, promoted }
    },
    async restart(port) {
      if (servers.has(port)) throw new Error(`node ${port} is running`)
      servers.set(port, await startRedisServer({ port, args: args(port) }))
      await until(`node ${port} to rejoin`, 30_000, async () => {
        const state = await nodeState(port)
        return state !== null && state.ok && state.linkUp
      })
    },
    stop: stopAll,
  }
  return cluster
}
