import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { credentialsFor, endpoints, measure, rotate, type Context } from '../context.ts'
import type { EchoResult, HandshakeResult } from '../loadgen/types.ts'
import { handshakeFigures } from './handshake.ts'
import { startTarget, stopTarget, type Target } from '../targets.ts'

const DEV_TLS = fileURLToPath(new URL('../../../../scripts/dev-tls.ts', import.meta.url))
/** Upper bound of TLS handshakes/s: sizes the single-use ticket supply of one window. */
const MAX_RATE = 1000
/**
 * Handshakes in flight: a TLS handshake is CPU-bound on both ends, so 10 keep the server busy without the
 * queueing 50 would add (at 50, a handshake can outlast a short window and none would count).
 */
const CONCURRENCY = 10
/** Shortest handshake window (ms): TLS handshakes are slow enough that a shorter one holds too few. */
const MIN_WINDOW_MS = 1000
/** The echo case over TLS (connections × in flight). */
const ECHO: [number, number] = [100, 8]

/**
 * Creates a throwaway certificate for 127.0.0.1 with the repository's `pnpm dev:tls` script (a local CA and an
 * ECDSA P-256 leaf through `openssl`), in a temporary folder the caller removes.
 */
function certificate(dir: string): { cert: string; key: string } {
  const run = spawnSync(
    process.execPath,
    [DEV_TLS, '--certs-only', '--out', dir, '--hosts', '127.0.0.1,localhost'],
    { encoding: 'utf8' },
  )
  if (run.status !== 0) throw new Error(`dev-tls failed: ${run.stderr.trim().split('\n')[0] ?? ''}`)
  const files = JSON.parse(run.stdout) as { cert: string; key: string }
  return { cert: files.cert, key: files.key }
}

/**
 * `wss`: the same server processes with TLS in-process (`TLS_CERT_FILE`/`TLS_KEY_FILE`): handshakes/s at
 * concurrency 10 (every one a full TLS handshake, no session resumption) and echo 100 × 8, for raw `ws`,
 * Socket.IO + JWT and Portcullis (ticket + Origin), one fresh instance each, interleaved repeats.
 */
export async function runWssScenario(ctx: Context): Promise<void> {
  const { options } = ctx
  const dir = await mkdtemp(join(tmpdir(), 'bench-tls-'))
  const started: Target[] = []
  try {
    const tls = certificate(dir)
    for (const name of ['raw-ws', 'socketio', 'portcullis'] as const) {
      if (!ctx.targets.has(name)) continue
      started.push(await startTarget(name, ctx.env, 1, { tag: '-tls', tls }))
    }
    const tickets = Math.ceil(
      (MAX_RATE * (options.warmupMs + Math.max(options.windowMs, MIN_WINDOW_MS))) / 1000,
    )
    for (let r = 0; r < options.repeats; r++) {
      for (const target of rotate(started, r)) {
        await handshakes(ctx, target, tickets)
        await echo(ctx, target)
      }
    }
  } finally {
    await Promise.allSettled(started.map((t) => stopTarget(t)))
    await rm(dir, { recursive: true, force: true })
  }
}

async function handshakes(ctx: Context, target: Target, tickets: number): Promise<void> {
  const { options } = ctx
  const credentials =
    target.dialect === 'portcullis'
      ? await credentialsFor(ctx, target, tickets)
      : await credentialsFor(ctx, target, ctx.sessions.length)
  const m = await measure<HandshakeResult>(ctx, target, {
    cmd: 'handshake',
    endpoints: endpoints(ctx, target),
    credentials,
    expect: 'accept',
    concurrency: CONCURRENCY,
    warmupMs: options.warmupMs,
    durationMs: Math.max(options.windowMs, MIN_WINDOW_MS),
  })
  const { metrics, notes } = handshakeFigures(m)
  ctx.record({
    scenario: 'wss',
    case: 'handshake',
    server: target.name,
    metrics: { ...metrics, clientCpuPct: m.result.clientCpuPct },
    notes,
  })
}

async function echo(ctx: Context, target: Target): Promise<void> {
  const { options } = ctx
  const [conns, inflight] = ECHO
  const m = await measure<EchoResult>(ctx, target, {
    cmd: 'echo',
    endpoints: endpoints(ctx, target),
    credentials: await credentialsFor(ctx, target, conns),
    conns,
    inflight,
    warmupMs: options.warmupMs,
    durationMs: options.windowMs,
  })
  ctx.record({
    scenario: 'wss',
    case: `echo-${conns}x${inflight}`,
    server: target.name,
    metrics: {
      ratePerS: m.result.ratePerS,
      p50Ms: m.result.latency.p50Ms,
      p99Ms: m.result.latency.p99Ms,
      serverCpuUsPerOp: m.serverCpuUs / m.result.replies,
      redisCpuUsPerOp: m.redisCpuUs / m.result.replies,
      clientCpuPct: m.result.clientCpuPct,
      otherCpuPct: m.otherCpuPct,
      errors: m.result.errorReplies,
    },
    notes: m.result.firstError ? [`connect error: ${m.result.firstError.slice(0, 160)}`] : undefined,
  })
}

/** Steps (recorded measurements) of this scenario and their rough length (s), for the progress line. */
export function wssPlan(ctx: Context): { steps: number; seconds: number } {
  const servers = ['raw-ws', 'socketio', 'portcullis'].filter((s) => ctx.targets.has(s as never)).length
  const o = ctx.options
  const windows = 2 * o.warmupMs + o.windowMs + Math.max(o.windowMs, MIN_WINDOW_MS)
  return { steps: servers * 2 * o.repeats, seconds: windows / 2000 + 1.5 }
}
