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
import { Progress, type Plan } from './progress.ts'
import { crossFanoutPlan, runCrossFanoutScenario } from './scenarios/cross-fanout.ts'
import { echoPlan, runEchoScenario } from './scenarios/echo.ts'
import { fanoutPlan, runFanoutScenario } from './scenarios/fanout.ts'
import { handshakePlan, runHandshakeScenario } from './scenarios/handshake.ts'
import { idleMaxPlan, runIdleMaxScenario } from './scenarios/idle-max.ts'
import { idlePlan, runIdleScenario } from './scenarios/idle.ts'
import { loopPlan, runLoopScenario } from './scenarios/loop.ts'
import { reconnectPlan, runReconnectScenario } from './scenarios/reconnect.ts'
import { redisRttPlan, runRedisRttScenario } from './scenarios/redis-rtt.ts'
import { revocationPlan, runRevocationScenario } from './scenarios/revocation.ts'
import { runWssScenario, wssPlan } from './scenarios/wss.ts'
import type { ScenarioName } from './options.ts'
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

/** Scenarios that measure the Portcullis realtime server alone (listed as not measured without it). */
const PORTCULLIS_ONLY: ScenarioName[] = ['revocation', 'reconnect', 'redis-rtt', 'loop']

/** Each scenario's driver and its plan (steps and their rough length, for the progress line). */
const SCENARIO_RUNNERS: Record<
  ScenarioName,
  { run: (ctx: Context) => Promise<void>; plan: (ctx: Context) => Plan }
> = {
  handshake: { run: runHandshakeScenario, plan: handshakePlan },
  echo: { run: runEchoScenario, plan: echoPlan },
  fanout: { run: runFanoutScenario, plan: fanoutPlan },
  idle: { run: runIdleScenario, plan: idlePlan },
  revocation: { run: runRevocationScenario, plan: revocationPlan },
  wss: { run: runWssScenario, plan: wssPlan },
  'cross-fanout': { run: runCrossFanoutScenario, plan: crossFanoutPlan },
  reconnect: { run: runReconnectScenario, plan: reconnectPlan },
  'idle-max': { run: runIdleMaxScenario, plan: idleMaxPlan },
  'redis-rtt': { run: runRedisRttScenario, plan: redisRttPlan },
  loop: { run: runLoopScenario, plan: loopPlan },
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
    const needed =
      Math.max(
        options.idleConns,
        1000,
        options.fanoutSubscribers,
        options.crossSubscribers,
        options.stormClients,
      ) + 200
    let progress: Progress | undefined
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
        const step = progress ? `${progress.step()} | ` : ''
        log(
          `${step}${m.scenario} ${m.case} ${m.server}: ${headline}${m.notes ? ` (${m.notes.join('; ')})` : ''}`,
        )
      },
      log,
    }
    progress = new Progress(options.scenarios.map((s) => SCENARIO_RUNNERS[s].plan(ctx)))
    log(`${progress.total} steps`)
    for (const [index, scenario] of options.scenarios.entries()) {
      progress.enter(index)
      log(`— ${scenario}`)
      await SCENARIO_RUNNERS[scenario].run(ctx)
    }
    for (const scenario of PORTCULLIS_ONLY) {
      if (!targets.has('portcullis') && options.scenarios.includes(scenario))
        skipped.push(`${scenario}: needs the Portcullis realtime server`)
    }
    if (cluster && options.scenarios.includes('redis-rtt'))
      skipped.push('redis-rtt: the delaying proxy fronts one Redis node, not a cluster')
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
