import { readFileSync } from 'node:fs'
import type { RedisClientType } from 'redis'
import type { Credentials, BenchSession } from './credentials.ts'
import type { Credential } from './loadgen/conn.ts'
import type { Job, Timed } from './loadgen/types.ts'
import type { BenchOptions } from './options.ts'
import { probe, rpc, type Child } from './proc.ts'
import type { RunEnv, ServerName, Target } from './targets.ts'

/** One figure set of one repeat: `metrics` are plain numbers (NaN when not applicable). */
export interface Measurement {
  scenario: string
  case: string
  server: ServerName
  metrics: Record<string, number>
  notes?: string[]
}

/** What scenario drivers share. */
export interface Context {
  options: BenchOptions
  env: RunEnv
  creds: Credentials
  loadgen: Child
  redis: Pick<RedisClientType, 'info'>
  targets: Map<ServerName, Target>
  /** Sessions every scenario may use for connections that are not revoked. */
  sessions: BenchSession[]
  /** Records one measurement (a repeat) and logs a one-line progress note. */
  record(m: Measurement): void
  /** Logs progress to stderr. */
  log(line: string): void
}

/** Redis's own CPU time (µs) from `INFO cpu`. */
export async function redisCpuUs(redis: Pick<RedisClientType, 'info'>): Promise<number> {
  const info = String(await redis.info('cpu'))
  const read = (key: string): number => Number(new RegExp(`${key}:([0-9.]+)`).exec(info)?.[1] ?? Number.NaN)
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1e6
}

/** CPU time (µs) the whole machine spent busy (all cores, /proc/stat), NaN where there is no /proc. */
export function machineBusyUs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields
    // USER_HZ is 100 on Linux: one jiffy = 10 000 µs.
    return (user + nice + system + irq + softirq + steal) * 10_000
  } catch {
    return Number.NaN
  }
}

/** What `measure` reports besides the job's own result. */
export interface Sampled<R> {
  result: R
  serverCpuUs: number
  redisCpuUs: number
  /**
   * CPU the rest of the machine used over the window, % of one core: busy time of all cores minus the servers,
   * the load generator and Redis. High values mean another workload competed: the row is noisy.
   */
  otherCpuPct: number
  /** The servers' event-loop delay over the window (worst instance), ms. */
  loopP99Ms: number
  loopMaxMs: number
}

/**
 * Runs a timed job on the load generator and samples every server process of `target` (and Redis) at the
 * window's start and end, so server CPU is measured over exactly the load generator's window.
 */
export async function measure<R extends Timed>(ctx: Context, target: Target, job: Job): Promise<Sampled<R>> {
  const children = target.instances.map((i) => i.child)
  let loopP99Ms = 0
  let loopMaxMs = 0
  const snapshot = async (first: boolean): Promise<[number, number, number]> => {
    const busy = machineBusyUs()
    const [cpus, r] = await Promise.all([
      Promise.all(children.map((c) => probe(c, { resetDelay: first }))),
      redisCpuUs(ctx.redis),
    ])
    if (!first) {
      loopP99Ms = Math.max(...cpus.map((p) => p.eldP99Ms))
      loopMaxMs = Math.max(...cpus.map((p) => p.eldMaxMs))
    }
    return [cpus.reduce((sum, p) => sum + p.cpuUs, 0), r, busy]
  }
  let start: Promise<[number, number, number]> | undefined
  let end: Promise<[number, number, number]> | undefined
  const onEvent = (event: string): void => {
    if (event === 'start') start = snapshot(true)
    else if (event === 'end') end = snapshot(false)
  }
  const result = await rpc<{ result: R }>(ctx.loadgen, job as unknown as Record<string, unknown>, { onEvent })
  if (!start || !end) throw new Error(`${job.cmd}: the load generator reported no window`)
  const [s0, r0, b0] = await start
  const [s1, r1, b1] = await end
  const { elapsedMs, clientCpuPct } = result.result
  const ownUs = s1 - s0 + (r1 - r0) + (clientCpuPct / 100) * elapsedMs * 1000
  const otherCpuPct = Math.max(0, ((b1 - b0 - ownUs) / (elapsedMs * 1000)) * 100)
  return {
    result: result.result,
    serverCpuUs: s1 - s0,
    redisCpuUs: r1 - r0,
    otherCpuPct,
    loopP99Ms,
    loopMaxMs,
  }
}

/** Runs an untimed load generator command (pool open/close). */
export async function command<R>(ctx: Context, job: Job): Promise<R> {
  return (await rpc<{ result: R }>(ctx.loadgen, job as unknown as Record<string, unknown>)).result
}

/** The credentials `count` connections to `target` present (tickets are minted fresh: single use). */
export async function credentialsFor(
  ctx: Context,
  target: Target,
  count: number,
  options: { origin?: boolean; sessions?: BenchSession[] } = {},
): Promise<Credential[]> {
  const sessions = options.sessions ?? ctx.sessions
  if (target.dialect === 'echo') return [{ kind: 'none' }]
  if (target.dialect === 'socketio') {
    return sessions
      .slice(0, Math.max(1, Math.min(count, sessions.length)))
      .map((s) => ({ kind: 'auth', value: s.token }))
  }
  const origin = options.origin === false ? null : ctx.env.origin
  const tickets = await ctx.creds.tickets(sessions, count, origin)
  return tickets.map((value) => ({ kind: 'ticket', value }))
}

/** Endpoints of a target; `all` spreads over every instance, else the first only. */
export function endpoints(ctx: Context, target: Target, all = false, origin = true) {
  const list = all ? target.instances : target.instances.slice(0, 1)
  return list.map((i) => ({
    url: i.url,
    dialect: target.dialect,
    ...(origin && target.dialect === 'portcullis' ? { origin: ctx.env.origin } : {}),
  }))
}

/** `b` with its items rotated by `r` (interleaves servers across repeats so none always runs first). */
export function rotate<T>(items: T[], r: number): T[] {
  if (items.length === 0) return items
  const k = r % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}
