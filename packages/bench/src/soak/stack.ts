import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '@portcullis/testkit'
import { startRedisCluster, type RedisCluster } from '@portcullis/testkit/cluster'
import { httpOk, probe, startNode, waitUntil, type Child } from '../proc.ts'
import { startCommand } from '../targets.ts'
import type { MemorySample } from './memory.ts'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

/** One server process of the soak, restartable on its port; its stdout/stderr append to files in the log folder. */
export interface Server {
  readonly name: string
  readonly port: number
  child: Child | null
  /** When its current process became ready (epoch ms). */
  readyAt: number
  readonly memory: MemorySample[]
}

/**
 * The realtime limits of the soak: production defaults, except where one loopback address stands for a whole
 * site (`connections / sourceIps` users behind one NAT): its connect rate is that of its users (docs/reliability.md),
 * and STORE_GRACE_MS sits above the test cluster's failover time (cluster-node-timeout 1 s: about 2–4 s).
 */
export function realtimeLimits(usersPerIp: number): Record<string, string> {
  return {
    CONNECT_RATE_PER_MIN: String(Math.max(60, usersPerIp * 6)),
    STORE_GRACE_MS: '10000',
  }
}

/** A server on a free port, not started yet. */
async function newServer(name: string): Promise<Server> {
  return { name, port: await freePort(), child: null, readyAt: 0, memory: [] }
}

/** The soak's stack: a Redis Cluster, the api, and N realtime instances, each a child process of its own. */
export class SoakStack {
  readonly cluster: RedisCluster
  readonly prefix: string
  readonly api: Server
  readonly realtime: Server[]
  readonly #logDir: string
  readonly #keysDir: string
  readonly #usersFile: string
  readonly #realtimeEnv: Record<string, string>

  private constructor(
    cluster: RedisCluster,
    api: Server,
    realtime: Server[],
    o: { prefix: string; logDir: string; realtimeEnv: Record<string, string> },
  ) {
    this.cluster = cluster
    this.api = api
    this.realtime = realtime
    this.prefix = o.prefix
    this.#logDir = o.logDir
    this.#keysDir = join(o.logDir, 'keys')
    this.#usersFile = join(o.logDir, 'users.json')
    this.#realtimeEnv = o.realtimeEnv
  }

  /** Starts the cluster, the api and `instances` realtime servers; resolves once every one is ready. */
  static async start(o: {
    instances: number
    logDir: string
    prefix: string
    realtimeEnv: Record<string, string>
    /** The soak's user ids: the api's USERS_FILE lists them (it refreshes only the sessions of known accounts). */
    users: readonly string[]
    log: (line: string) => void
  }): Promise<SoakStack> {
    mkdirSync(o.logDir, { recursive: true })
    writeUsersFile(join(o.logDir, 'users.json'), o.users)
    const cluster = await startRedisCluster()
    o.log(`redis cluster up: masters ${(await cluster.masters()).join(', ')}`)
    const api = await newServer('api')
    const realtime: Server[] = []
    for (let i = 0; i < o.instances; i++) realtime.push(await newServer(`realtime-${i + 1}`))
    const stack = new SoakStack(cluster, api, realtime, o)
    try {
      await stack.startApi()
      await Promise.all(realtime.map((_, i) => stack.startRealtime(i)))
    } catch (err) {
      await stack.stop()
      throw err
    }
    return stack
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.api.port}`
  }

  /** `ws://` base URLs of the realtime instances, by index. */
  get realtimeUrls(): string[] {
    return this.realtime.map((r) => `ws://127.0.0.1:${r.port}`)
  }

  #shared(): Record<string, string> {
    return {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      REDIS_CLUSTER_NODES: this.cluster.seeds,
      REDIS_KEY_PREFIX: this.prefix,
    }
  }

  async #launch(server: Server, app: string, env: Record<string, string>): Promise<void> {
    const dir = join(ROOT, 'apps', app)
    const { flags, script } = await startCommand(dir)
    const child = startNode({
      name: server.name,
      script: join(dir, script),
      cwd: dir,
      probe: true,
      sourceConditions: false,
      nodeFlags: flags,
      stdoutFile: join(this.#logDir, `${server.name}.log`),
      stderrFile: join(this.#logDir, `${server.name}.stderr.log`),
      env: { ...this.#shared(), ...env },
    })
    server.child = child
    await waitUntil(
      child,
      () => httpOk(`http://127.0.0.1:${server.port}/readyz`),
      'GET /readyz = 200',
      60_000,
    )
    server.readyAt = Date.now()
  }

  /** (Re)starts the api on its port; its keys persist in the log folder, so tokens survive restarts. */
  async startApi(): Promise<void> {
    await this.#launch(this.api, 'api', {
      API_HOST: '127.0.0.1',
      API_PORT: String(this.api.port),
      DEMO_USERS: 'false',
      USERS_FILE: this.#usersFile,
      DEV_KEYS_DIR: this.#keysDir,
    })
  }

  /** Restarts the api gracefully (SIGTERM, in-flight requests finish), as a deployment does. */
  async restartApi(): Promise<void> {
    await this.api.child?.stop(10_000)
    this.api.child = null
    await this.startApi()
  }

  /** (Re)starts realtime instance `i` on its port. */
  async startRealtime(i: number): Promise<void> {
    const server = this.realtime[i]!
    await this.#launch(server, 'realtime', {
      REALTIME_HOST: '127.0.0.1',
      REALTIME_PORT: String(server.port),
      JWKS_URL: `${this.apiUrl}/.well-known/jwks.json`,
      ...this.#realtimeEnv,
    })
  }

  /** Kills realtime instance `i` with SIGKILL: a crash, no drain, no close frames. */
  async killRealtime(i: number): Promise<void> {
    const child = this.realtime[i]!.child
    this.realtime[i]!.child = null
    child?.proc.kill('SIGKILL')
    await child?.exited
  }

  /** Reads the memory of every running server (`gc`: after two full collections). */
  async sampleMemory(gc: boolean): Promise<void> {
    await Promise.all(
      [this.api, ...this.realtime].map(async (server) => {
        const child = server.child
        if (!child) return
        const reply = await probe(child, { gc }).catch(() => null)
        if (reply) server.memory.push({ at: Date.now(), rss: reply.rss, heapUsed: reply.heapUsed, gc })
      }),
    )
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.realtime, this.api].map((s) => s.child?.stop(5000)))
    await this.cluster.stop()
  }
}

/** `n` random bytes in unpadded base64 (the alphabet of a PHC string). */
function b64(n: number): string {
  return randomBytes(n).toString('base64').replace(/=+$/, '')
}

/**
 * The api's accounts for the soak: one per user id, all with a hash of a random password nobody holds (the soak
 * opens its sessions in the store, as `Identities` explains, so nobody logs in with a password).
 */
function writeUsersFile(path: string, userIds: readonly string[]): void {
  const passwordHash = `$argon2id$v=19$m=19456,t=2,p=1$${b64(16)}$${b64(32)}`
  const accounts = userIds.map((id) => ({ id, username: id, passwordHash, roles: ['user'] }))
  writeFileSync(path, JSON.stringify(accounts), { mode: 0o600 })
}
