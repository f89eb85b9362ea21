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

/** Thrown when a server cannot be measured in this checkout (e.g. not built); the run notes it and goes on. */
export class Unavailable extends Error {}

/** Starts `instances` processes of the named server and waits until each is ready; `tag` names the processes. */
export async function startTarget(name: ServerName, env: RunEnv, instances = 1, tag = ''): Promise<Target> {
  const started: Target = { name, dialect: dialectOf(name), instances: [] }
  try {
    for (let i = 0; i < instances; i++) {
      const port = await freePort()
      const child = name.startsWith('portcullis')
        ? await startRealtime(name === 'portcullis', port, env, `${name}${tag}-${i}`)
        : await startBaseline(name, port, env, `${name}${tag}-${i}`)
      const path = name === 'socketio' ? '/socket.io/?EIO=4&transport=websocket' : '/v1/ws'
      started.instances.push({ child, url: `ws://127.0.0.1:${port}${path}` })
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

async function startBaseline(name: ServerName, port: number, env: RunEnv, label: string): Promise<Child> {
  const child = startNode({
    name: label,
    script: join(SERVERS, `${name}.ts`),
    probe: true,
    nodeFlags: profileFlags(env, label),
    env: {
      PORT: String(port),
      REDIS_URL: env.redisUrl,
      JWKS_URL: env.creds.jwksUrl,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
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

async function startRealtime(tracing: boolean, port: number, env: RunEnv, label: string): Promise<Child> {
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
      REDIS_URL: env.redisUrl,
      ...('clusterNodes' in env.redis ? { REDIS_CLUSTER_NODES: env.redis.clusterNodes.join(',') } : {}),
      REDIS_KEY_PREFIX: env.prefix,
      ALLOWED_ORIGINS: env.origin,
      JWKS_URL: env.creds.jwksUrl,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      // Every control stays on; limits are raised only so the load itself is not refused (docs/benchmarks.md).
      MSG_RATE_PER_S: '100000',
      MSG_BURST: '100000',
      MAX_CONNECTIONS_PER_USER: '10000',
      CONNECT_RATE_PER_MIN: '1000000',
      AUTH_FAILURES_PER_MIN: '1000000',
      ...(tracing
        ? { OTEL_EXPORTER_OTLP_ENDPOINT: env.otlpEndpoint, OTEL_SERVICE_NAME: 'portcullis-realtime' }
        : {}),
    },
  })
  await waitUntil(child, () => httpOk(`http://127.0.0.1:${port}/readyz`), 'GET /readyz = 200', 30_000)
  return child
}
