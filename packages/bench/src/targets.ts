import { readFile } from 'node:fs/promises'
import type { RedisTarget } from '@portcullis/sessions/redis'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { freePort } from '@portcullis/testkit'
import { AUDIENCE, ISSUER, type Credentials } from './credentials.ts'
import type { Dialect } from './loadgen/conn.ts'
import { httpOk, readyMessage, startNode, waitUntil, watchReady, type Child } from './proc.ts'

/** Every server the bench can measure. */
export const SERVER_NAMES = ['raw-ws', 'fastify-ws', 'socketio', 'portcullis', 'portcullis-notrace'] as const
export type ServerName = (typeof SERVER_NAMES)[number]

/** Human labels used in tables and charts. */
export const LABELS: Record<ServerName, string> = {
  'raw-ws': 'raw ws',
  'fastify-ws': 'bare @fastify/websocket',
  socketio: 'Socket.IO 4 + JWT + Redis adapter',
  portcullis: 'Portcullis realtime (all controls)',
  'portcullis-notrace': 'Portcullis realtime, tracing off',
}

/** A running server under test: one or more instances, each its own process. */
export interface Target {
  name: ServerName
  dialect: Dialect
  instances: Array<{ child: Child; url: string }>
}

/** What every server start needs from the run. */
export interface RunEnv {
  /** One Redis node (the server, or a node of the cluster): baselines and raw checks use it. */
  redisUrl: string
  /** Where Portcullis keeps its state: `redisUrl`, or the cluster's seeds with `--redis-cluster`. */
  redis: RedisTarget
  prefix: string
  creds: Credentials
  otlpEndpoint: string
  /** The allowed browser Origin the bench sends. */
  origin: string
  /** When set, Portcullis instances run with `--cpu-prof` into this folder. */
  profileDir?: string
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SERVERS = fileURLToPath(new URL('./servers/', import.meta.url))
const REALTIME = join(ROOT, 'apps/realtime')

/** How one target is started beyond its name (every field optional). */
export interface TargetOptions {
  /** Suffix of the process names (`portcullis-idle-0`). */
  tag?: string
  /** Serve `wss://` with this certificate and key (PEM files): the `wss` scenario. */
  tls?: { cert: string; key: string }
  /** The Redis URL this target uses instead of the run's (the `redis-rtt` scenario's delaying proxy). */
  redisUrl?: string
  /**
   * Portcullis message limits: `raised` (default, decision 0601) or `production`: `MSG_RATE_PER_S` and
   * `MSG_BURST` at their defaults, so the per-user budget's Redis syncs are part of the figure. Admission
   * limits (connections, connect rate, auth failures) stay raised either way: the load generator comes from a
   * few hundred loopback addresses, not from thousands of clients.
   */
  limits?: 'raised' | 'production'
}

/** Thrown when a server cannot be measured in this checkout (e.g. not built); the run notes it and goes on. */
export class Unavailable extends Error {}

/** Starts `instances` processes of the named server and waits until each is ready. */
export async function startTarget(
  name: ServerName,
  env: RunEnv,
  instances = 1,
  options: TargetOptions = {},
): Promise<Target> {
  const started: Target = { name, dialect: dialectOf(name), instances: [] }
  const tag = options.tag ?? ''
  try {
    for (let i = 0; i < instances; i++) {
      const port = await freePort()
      const child = name.startsWith('portcullis')
        ? await startRealtime(name === 'portcullis', port, env, `${name}${tag}-${i}`, options)
        : await startBaseline(name, port, env, `${name}${tag}-${i}`, options)
      const path = name === 'socketio' ? '/socket.io/?EIO=4&transport=websocket' : '/v1/ws'
      const scheme = options.tls ? 'wss' : 'ws'
      started.instances.push({ child, url: `${scheme}://127.0.0.1:${port}${path}` })
    }
  } catch (err) {
    await stopTarget(started)
    throw err
  }
  return started
}

/** Stops every instance (SIGTERM, then SIGKILL). */
export async function stopTarget(target: Target, graceMs = 3000): Promise<void> {
  await Promise.all(target.instances.map((i) => i.child.stop(graceMs)))
}

function dialectOf(name: ServerName): Dialect {
  if (name === 'socketio') return 'socketio'
  return name.startsWith('portcullis') ? 'portcullis' : 'echo'
}

/** `--cpu-prof` flags when the run profiles (every server, so hotspots can be compared with the baselines'). */
function profileFlags(env: RunEnv, label: string): string[] {
  if (!env.profileDir) return []
  return ['--cpu-prof', `--cpu-prof-dir=${env.profileDir}`, `--cpu-prof-name=${label}.cpuprofile`]
}

/** `TLS_CERT_FILE`/`TLS_KEY_FILE`, the variables `apps/realtime` and the bench's baselines read. */
function tlsEnv(options: TargetOptions): Record<string, string> {
  return options.tls ? { TLS_CERT_FILE: options.tls.cert, TLS_KEY_FILE: options.tls.key } : {}
}

async function startBaseline(
  name: ServerName,
  port: number,
  env: RunEnv,
  label: string,
  options: TargetOptions,
): Promise<Child> {
  const child = startNode({
    name: label,
    script: join(SERVERS, `${name}.ts`),
    probe: true,
    nodeFlags: profileFlags(env, label),
    env: {
      PORT: String(port),
      REDIS_URL: options.redisUrl ?? env.redisUrl,
      JWKS_URL: env.creds.jwksUrl,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      ...tlsEnv(options),
    },
  })
  watchReady(child)
  await readyMessage(child)
  return child
}

/**
 * Node flags and script of an app's `start` script (`node [flags] dist/server.js`), so harnesses run the built app
 * exactly as a deployment does. `app` is the app's folder (`apps/realtime`, `apps/api`).
 */
export async function startCommand(app: string): Promise<{ flags: string[]; script: string }> {
  const pkg = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as {
    scripts?: { start?: string }
  }
  const words = (pkg.scripts?.start ?? '').split(/\s+/).filter(Boolean)
  if (words[0] !== 'node') throw new Unavailable(`${app} start script is not "node …": ${words.join(' ')}`)
  const flags: string[] = []
  let script = ''
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string
    if (w.startsWith('-')) {
      flags.push(w)
      if (['--import', '--require', '-r', '--env-file'].includes(w)) flags.push(words[++i] ?? '')
    } else {
      script = w
      break
    }
  }
  if (!existsSync(join(app, script)))
    throw new Unavailable(`${app} is not built (${script} missing): run pnpm build`)
  return { flags, script }
}

async function startRealtime(
  tracing: boolean,
  port: number,
  env: RunEnv,
  label: string,
  options: TargetOptions,
): Promise<Child> {
  const { flags, script } = await startCommand(REALTIME)
  // Profiling runs the TypeScript sources (type stripping keeps every line and column), so the hotspots'
  // file:line point straight into apps/realtime/src; otherwise the built server exactly as `start` runs it.
  const profile = profileFlags(env, label)
  const child = startNode({
    name: label,
    script: join(REALTIME, env.profileDir ? 'src/server.ts' : script),
    cwd: REALTIME,
    probe: true,
    sourceConditions: env.profileDir !== undefined,
    // When profiling, keep the server's log next to its profile (warnings explain many hotspots).
    stdoutFile: env.profileDir ? join(env.profileDir, `${label}.log`) : undefined,
    nodeFlags: [...(env.profileDir ? [] : flags), ...profile],
    env: {
      NODE_ENV: 'development',
      REALTIME_HOST: '127.0.0.1',
      REALTIME_PORT: String(port),
      REDIS_URL: options.redisUrl ?? env.redisUrl,
      // A `redisUrl` of the target's own (the delaying proxy) fronts one node: it replaces the cluster's seeds.
      ...(!options.redisUrl && 'clusterNodes' in env.redis
        ? { REDIS_CLUSTER_NODES: env.redis.clusterNodes.join(',') }
        : {}),
      REDIS_KEY_PREFIX: env.prefix,
      ALLOWED_ORIGINS: env.origin,
      JWKS_URL: env.creds.jwksUrl,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      // Every control stays on; limits are raised only so the load itself is not refused (docs/benchmarks.md).
      ...(options.limits === 'production' ? {} : { MSG_RATE_PER_S: '100000', MSG_BURST: '100000' }),
      MAX_CONNECTIONS_PER_USER: '10000',
      // `idle-max` holds more than the default 10 000 sockets on one instance.
      MAX_CONNECTIONS: '1000000',
      CONNECT_RATE_PER_MIN: '1000000',
      AUTH_FAILURES_PER_MIN: '1000000',
      ...tlsEnv(options),
      ...(tracing
        ? { OTEL_EXPORTER_OTLP_ENDPOINT: env.otlpEndpoint, OTEL_SERVICE_NAME: 'portcullis-realtime' }
        : {}),
    },
  })
  const readyz = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/readyz`
  await waitUntil(child, () => httpOk(readyz), 'GET /readyz = 200', 30_000)
  return child
}
