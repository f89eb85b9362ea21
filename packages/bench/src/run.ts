import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from 'redis'
import { startRedisServer } from '@portcullis/testkit'
import { startRedisCluster } from '@portcullis/testkit/cluster'
import { readyMessage, startNode, watchReady } from './proc.ts'
import type { Context, Measurement } from './context.ts'
import { Credentials } from './credentials.ts'
import { machine, versions } from './machine.ts'
import type { BenchOptions } from './options.ts'
import { startOtlpSink } from './otlp-sink.ts'
import { ALWAYS_ON, controlCosts } from './report/controls.ts'
import { toRows } from './report/model.ts'
import { evaluateTargets } from './report/targets.ts'
import type { BenchReport } from './report/types.ts'
import { runEchoScenario } from './scenarios/echo.ts'
import { runFanoutScenario } from './scenarios/fanout.ts'
import { runHandshakeScenario } from './scenarios/handshake.ts'
import { runIdleScenario } from './scenarios/idle.ts'
import { runRevocationScenario } from './scenarios/revocation.ts'
import {
  LABELS,
  startTarget,
  stopTarget,
  Unavailable,
  type RunEnv,
  type ServerName,
  type Target,
} from './targets.ts'

const LOADGEN = fileURLToPath(new URL('./loadgen/main.ts', import.meta.url))

/** Instances per server: two where fan-out and revocation cross instances through Redis. */
const INSTANCES: Record<ServerName, number> = {
  'raw-ws': 1,
  'fastify-ws': 1,
  socketio: 2,
  portcullis: 2,
  'portcullis-notrace': 1,
}

const SCENARIO_RUNNERS = {
  handshake: runHandshakeScenario,
  echo: runEchoScenario,
  fanout: runFanoutScenario,
  idle: runIdleScenario,
  revocation: runRevocationScenario,
}

/**
 * Runs the benchmark: a redis-server, the bench's token service and OTLP sink, every selected server in its own
 * process(es), and the load generator in its own process; then each scenario with interleaved repeats.
 * Returns the report (the caller writes it). Never throws for one server that cannot start: it is listed in
 * `skipped` and the rest is measured.
 */
export async function runBench(
  options: BenchOptions,
  command: string,
  log: (line: string) => void,
): Promise<BenchReport> {
  const startedAt = new Date()
  const loadavgStart = os.loadavg()
  // One redis-server, or with --redis-cluster a cluster whose first node serves the raw checks and the baselines.
  const cluster = options.redisCluster ? await startRedisCluster() : null
  const redisServer = cluster ? null : await startRedisServer()
  const redisUrl = cluster ? cluster.nodes[0]!.url : redisServer!.url
  const target = cluster ? { clusterNodes: cluster.seeds.split(',') } : { url: redisUrl }
  const redis = createClient({ url: redisUrl })
  redis.on('error', () => {})
  await redis.connect()
  const versionList = await versions(redis)
  const prefix = `bench:${randomBytes(4).toString('hex')}:`
  const creds = await Credentials.create(target, prefix)
  const sink = await startOtlpSink()
  const profileDir = options.profile ? join(options.outDir, 'profiles') : undefined
  if (profileDir) await mkdir(profileDir, { recursive: true })
  const env: RunEnv = {
    redisUrl,
    redis: target,
    prefix,
    creds,
    otlpEndpoint: sink.endpoint,
    origin: 'http://bench.localhost',
    profileDir,
  }
  const targets = new Map<ServerName, Target>()
  const skipped: string[] = []
  const measurements: Measurement[] = []
  const loadgen = startNode({ name: 'loadgen', script: LOADGEN })
  watchReady(loadgen)
  try {
    await readyMessage(loadgen)
    for (const name of options.servers) {
      try {
        targets.set(name, await startTarget(name, env, INSTANCES[name]))
        log(`started ${name} (${INSTANCES[name]} instance(s))`)
      } catch (err) {
        if (!(err instanceof Unavailable)) throw err
        skipped.push(`${LABELS[name]}: ${err.message}`)
        log(`skipped ${name}: ${err.message}`)
      }
    }
    const needed = Math.max(options.idleConns, 1000, options.fanoutSubscribers) + 200
    const ctx: Context = {
      options,
      env,
      creds,
      loadgen,
      redis,
      targets,
      sessions: await creds.sessions(needed),
      record(m) {
        measurements.push(m)
        const headline = Object.entries(m.metrics)
          .slice(0, 3)
          .map(([k, v]) => `${k}=${Number.isFinite(v) ? Number(v.toPrecision(4)) : '–'}`)
          .join(' ')
        log(`${m.scenario} ${m.case} ${m.server}: ${headline}${m.notes ? ` (${m.notes.join('; ')})` : ''}`)
      },
      log,
    }
    for (const scenario of options.scenarios) {
      log(`— ${scenario}`)
      await SCENARIO_RUNNERS[scenario](ctx)
    }
    if (!targets.has('portcullis') && options.scenarios.includes('revocation')) {
      skipped.push('(e) revocation: needs the Portcullis realtime server')
    }
  } finally {
    // Profiles are written when a server exits: give a profiled server time to drain and exit by itself.
    await Promise.allSettled([...targets.values()].map((t) => stopTarget(t, options.profile ? 20_000 : 3000)))
    await loadgen.stop()
    await creds.close()
    await sink.close()
    await redis.quit().catch(() => {})
    await redisServer?.stop()
    await cluster?.stop()
  }
  const rows = toRows(measurements)
  const report: BenchReport = {
    schema: 'portcullis-bench/1',
    mode: options.mode,
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    command,
    machine: { ...machine(), loadavgStart, loadavgEnd: os.loadavg() },
    versions: versionList,
    settings: { ...options, servers: undefined, outDir: undefined },
    servers: Object.fromEntries(
      [...targets.values()].map((t) => [t.name, { label: LABELS[t.name], instances: t.instances.length }]),
    ),
    rows,
    controls: controlCosts(rows),
    alwaysOn: ALWAYS_ON,
    targets: evaluateTargets(rows, options),
    measurements,
    skipped,
    notes: [
      "Every process (servers, load generator, redis-server) shares this machine's cores: figures from a busy machine are noisy. Compare ratios from the same run, not absolute figures across runs.",
      "client CPU % is the load generator's own CPU over the window (100 = one core): near 100 means the client, not the server, was the limit.",
      "other CPU % is what the rest of the machine used over the window (every core's busy time minus the servers, the load generator and Redis; 100 = one core): well above 0 means another workload competed and the row is noisy.",
    ],
  }
  return report
}
