import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { connectRedis, RedisSessionStore, whenReady } from '@portcullis/sessions/redis'
import { machine } from '../machine.ts'
import { Balancer } from './balancer.ts'
import { checks, type SoakReport } from './report.ts'
import { Churn } from './drive.ts'
import { inject, type FaultEvent } from './faults.ts'
import { SoakClient, type CloseNote } from './fleet.ts'
import { Identities } from './identity.ts'
import { Ledger } from './ledger.ts'
import { scanLog, scanStderr } from './logs.ts'
import { memoryFigures } from './memory.ts'
import type { SoakOptions } from './options.ts'
import { faultPlan } from './schedule.ts'
import { realtimeLimits, SoakStack } from './stack.ts'

/** A process's log file ('' when it never wrote one). */
function readLog(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), 'utf8')
  } catch {
    return ''
  }
}

/** The loopback source address of the `i`-th simulated site: 127.0.1.1, 127.0.1.2, … (never 127.0.0.1). */
export function sourceIp(i: number): string {
  return `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`
}

/**
 * Runs the soak: a Redis Cluster, the api and the realtime instances as child processes (built apps, started as
 * a deployment starts them), `connections` SDK clients churning — connect, subscribe, publish, refresh in-band,
 * revoke, reconnect — while the planned faults are injected; then checks what the clients and the logs saw.
 */
export async function runSoak(
  options: SoakOptions,
  command: string,
  log: (line: string) => void,
): Promise<SoakReport> {
  const startedAt = new Date()
  const usersPerIp = Math.ceil(options.connections / options.sourceIps)
  const limits = realtimeLimits(usersPerIp)
  const logDir = join(options.outDir, `soak-${startedAt.toISOString().replace(/[:.]/g, '-')}-logs`)
  const stack = await SoakStack.start({
    instances: options.instances,
    logDir,
    prefix: `soak:${randomBytes(4).toString('hex')}:`,
    realtimeEnv: limits,
    users: Array.from({ length: Math.ceil(options.connections / 2) }, (_, u) => soakUser(u)),
    log,
  })
  log(`api and ${options.instances} realtime instance(s) ready; logs in ${logDir}`)
  const storeRedis = connectRedis({ clusterNodes: stack.cluster.seeds.split(',') }, { deadlineMs: 5000 })
  await whenReady(storeRedis, 10_000)
  const store = new RedisSessionStore({ redis: storeRedis, prefix: stack.prefix, ownsRedis: true })
  const ledger = new Ledger()
  const balancer = new Balancer(stack.realtimeUrls)
  const counts: Record<string, number> = {}
  const count = (what: string): void => void (counts[what] = (counts[what] ?? 0) + 1)
  const closes: CloseNote[] = []
  const ctx = {
    ledger,
    balancer,
    identities: new Identities(store, () => stack.apiUrl),
    apiUrl: () => stack.apiUrl,
    count,
  }
  const clients = Array.from(
    { length: options.connections },
    (_, i) =>
      new SoakClient(
        i,
        {
          userId: soakUser(Math.floor(i / 2)),
          channel: `public:soak-${i % options.rooms}`,
          sourceIp: sourceIp(i % options.sourceIps),
          ticket: i % 5 === 0,
        },
        ctx,
        (note) => closes.push(note),
      ),
  )
  const plan = faultPlan(Math.round(options.minutes * 60_000), options.faults)
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  const t0 = Date.now()
  const at = (ms: number): number => t0 + ms
  const seconds = (t: number): number => Math.round((t - t0) / 100) / 10
  const timeline: SoakReport['timeline'] = []
  const timers: NodeJS.Timeout[] = []
  const every = (ms: number, fn: () => void): void => void timers.push(setInterval(fn, ms).unref())

  // Ramp: clients connect evenly over the ramp.
  const rampStep = plan.rampMs / options.connections
  let connected = 0
  every(50, () => {
    const due = Math.min(options.connections, Math.floor((Date.now() - t0) / rampStep) + 1)
    for (; connected < due; connected++) void clients[connected]!.connect()
  })
  const churn = new Churn(
    clients,
    ledger,
    {
      publishPerS: options.publishPerS,
      revokePerS: options.revokePerMin / 60,
      reconnectPerS: options.reconnectPerMin / 60,
      pingEveryMs: 120_000,
    },
    count,
  )
  setTimeout(() => churn.start(), plan.rampMs / 2).unref()
  every(1000, () => {
    const perInstance = stack.realtime.map(
      (_, i) => clients.filter((c) => c.instance === i && ledger.isOpen(c.index)).length,
    )
    timeline.push({ s: seconds(Date.now()), open: ledger.openSockets, perInstance })
  })
  let sampling = false
  let samples = 0
  const gcEvery = options.mode === 'full' ? 6 : 2
  every(5000, () => {
    if (sampling) return
    sampling = true
    void stack.sampleMemory(++samples % gcEvery === 0).finally(() => (sampling = false))
  })
  every(5000, () => {
    const f = ledger.figures()
    log(
      `t=${seconds(Date.now())} s open ${ledger.openSockets}/${options.connections} · acked ${f.messages.acked} · ` +
        `revoked ${churn.revocations} (lost ${f.revocations.lost}) · unintended closes ${closes.length}`,
    )
  })

  const faults: FaultEvent[] = []
  const faultErrors: string[] = []
  const faultRuns = plan.faults.map(async (fault) => {
    await sleep(Math.max(0, at(fault.atMs) - Date.now()))
    try {
      faults.push(await inject({ stack, clients, ledger, balancer, closes, log }, fault))
    } catch (err) {
      // A harness failure (not the platform's): reported, and the run goes on to its checks.
      faultErrors.push(`${fault.kind}: ${err instanceof Error ? err.message : String(err)}`)
      log(`fault ${fault.kind} failed: ${faultErrors.at(-1)}`)
    }
  })
  await sleep(Math.max(0, at(plan.endMs) - Date.now()))
  churn.stop()
  log(`churn stopped at t=${seconds(Date.now())} s; settling ${plan.settleMs / 1000} s`)
  await Promise.all(faultRuns)
  await sleep(plan.settleMs)
  for (const t of timers) clearInterval(t)
  await stack.sampleMemory(true)
  const figures = ledger.figures()
  const finalOpen = ledger.openSockets
  log(`final: ${finalOpen}/${options.connections} sockets open`)

  for (const client of clients) client.close()
  await sleep(500)
  const servers = [stack.api, ...stack.realtime]
  const logs = Object.fromEntries(
    servers.map((s) => [
      s.name,
      {
        ...scanLog(readLog(logDir, `${s.name}.log`)),
        stderr: scanStderr(readLog(logDir, `${s.name}.stderr.log`)).slice(0, 20),
      },
    ]),
  )
  // Steady part of each process: after the ramp, and after its latest (re)start plus 20 s of reconnect storm.
  const memory = servers.map((s) =>
    memoryFigures(s.name, s.memory, Math.max(at(plan.rampMs), s.readyAt + 20_000)),
  )
  await store.close()
  await stack.stop()
  lag.disable()

  const report: SoakReport = {
    schema: 'portcullis-soak/1',
    mode: options.mode,
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    command,
    machine: machine(),
    settings: { ...options, outDir: undefined },
    limits: { ...limits, usersPerSourceIp: String(usersPerIp), MAX_CONNECTIONS_PER_USER: '5 (default)' },
    plan: { ...plan, faults: plan.faults.map((f) => ({ ...f })) },
    faults: faults
      .toSorted((a, b) => a.at - b.at)
      .map((f) => ({
        ...f,
        at: seconds(f.at),
        backAt: seconds(f.backAt),
        repairedAt: f.repairedAt ? seconds(f.repairedAt) : 0,
      })),
    figures,
    connections: options.connections,
    finalOpen,
    unintendedCloses: closes.length,
    memory,
    logs,
    counts,
    timeline,
    memoryTimeline: Object.fromEntries(
      servers.map((s) => [
        s.name,
        s.memory.map((m) => ({
          s: seconds(m.at),
          rssMB: m.rss / 1048576,
          heapMB: m.heapUsed / 1048576,
          gc: m.gc,
        })),
      ]),
    ),
    clientLoopP99Ms: lag.percentile(99) / 1e6,
    faultErrors,
    checks: [],
  }
  report.checks = checks(report)
  return report
}

/** The id of soak user `u` (two connections per user). */
function soakUser(u: number): string {
  return `soak-u${u}`
}
