import { fork, type ChildProcess } from 'node:child_process'
import { appendFileSync, openSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { ProbeReply, ProbeRequest } from './probe-types.ts'

const PROBE = fileURLToPath(new URL('./probe.ts', import.meta.url))

/** A child process started by the bench, with its IPC channel and the tail of its stderr (for error messages). */
export interface Child {
  readonly name: string
  readonly proc: ChildProcess
  /** Last few KB of stderr. */
  stderrTail(): string
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<string>
  /** Sends SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

/** Options of `startNode`. */
export interface StartOptions {
  name: string
  /** Script path (`.ts` sources run through Node's type stripping, `.js` as is). */
  script: string
  args?: string[]
  env?: Record<string, string>
  cwd?: string
  /** Preload the stats probe (`--expose-gc --import probe.ts`): every server has it. */
  probe?: boolean
  /** Extra Node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[]
  /** Resolve workspace packages to their TypeScript sources (the bench's own scripts); off for built apps. */
  sourceConditions?: boolean
  /** Append the process's stdout (its log lines) to this file instead of discarding it. */
  stdoutFile?: string
  /** Also append the process's stderr to this file (the tail is kept in memory either way). */
  stderrFile?: string
}

/** Forks a Node process with an IPC channel; stdout is discarded (server logs), stderr kept as a tail. */
export function startNode(options: StartOptions): Child {
  const execArgv = [
    ...(options.sourceConditions === false ? [] : ['--conditions=source']),
    ...(options.nodeFlags ?? []),
  ]
  if (options.probe) execArgv.push('--expose-gc', '--import', PROBE)
  const proc = fork(options.script, options.args ?? [], {
    execArgv,
    cwd: options.cwd,
    // A clean environment: nothing from the caller (REDIS_URL, OTEL_*, NODE_ENV …) leaks into a server under test.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'ignore', 'pipe', 'ipc'],
  })
  let tail = ''
  proc.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000)
    if (options.stderrFile) appendFileSync(options.stderrFile, chunk)
  })
  const exited = new Promise<string>((resolve) => {
    proc.once('exit', (code, signal) => resolve(signal ?? String(code)))
  })
  return {
    name: options.name,
    proc,
    stderrTail: () => tail,
    exited,
    async stop(graceMs = 3000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

let nextId = 1

/** Options of `rpc`: `onEvent` gets the job's `{ jobId, event }` notes (the load generator's window). */
export interface RpcOptions {
  timeoutMs?: number
  onEvent?: (event: string) => void
}

/** Sends `message` with a fresh numeric `id` and resolves with the reply carrying that id (`error` rejects). */
export function rpc<T>(child: Child, message: Record<string, unknown>, options: RpcOptions = {}): Promise<T> {
  const id = nextId++
  const timeoutMs = options.timeoutMs ?? 900_000
  return new Promise<T>((resolve, reject) => {
    const onMessage = (reply: unknown): void => {
      const r = reply as { id?: number; jobId?: number; event?: string; error?: string } | null
      if (r?.jobId === id && typeof r.event === 'string') return options.onEvent?.(r.event)
      if (!r || r.id !== id) return
      cleanup()
      if (typeof r.error === 'string') reject(new Error(`${child.name}: ${r.error}`))
      else resolve(reply as T)
    }
    const onExit = (): void => {
      cleanup()
      reject(new Error(`${child.name} exited during a request\n${child.stderrTail()}`))
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(
        new Error(`${child.name}: no answer to ${String(message.cmd ?? message.probe)} in ${timeoutMs} ms`),
      )
    }, timeoutMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      child.proc.off('message', onMessage)
      child.proc.off('exit', onExit)
    }
    child.proc.on('message', onMessage)
    child.proc.once('exit', onExit)
    child.proc.send({ ...message, id })
  })
}

/** Reads a server's probe (CPU, memory, event-loop delay). */
export function probe(
  child: Child,
  options: { gc?: boolean; resetDelay?: boolean } = {},
): Promise<ProbeReply> {
  const request: Omit<ProbeRequest, 'id'> = { probe: 'stats', ...options }
  return rpc<ProbeReply>(child, request as unknown as Record<string, unknown>, { timeoutMs: 30_000 })
}

/** Resolves when `check` returns true, or rejects after `timeoutMs` (with the child's stderr when it died). */
export async function waitUntil(
  child: Child,
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let dead = false
  void child.exited.then(() => (dead = true))
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${child.name} exited before ${what}:\n${child.stderrTail()}`)
    if (await check().catch(() => false)) return
    await sleep(50)
  }
  throw new Error(`${child.name}: timed out waiting for ${what}\n${child.stderrTail()}`)
}

/** True when an HTTP GET of `url` answers 200. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) })
  await res.arrayBuffer()
  return res.ok
}

/** Resolves with the `ready` message a bench-owned server sends after listening. */
export function readyMessage(child: Child, timeoutMs = 20_000): Promise<void> {
  return waitUntil(child, async () => ready.has(child.proc), 'ready', timeoutMs)
}

const ready = new WeakSet<ChildProcess>()
/** Starts watching a child for its `{ ready: true }` message (call right after `startNode`). */
export function watchReady(child: Child): void {
  child.proc.on('message', (m: unknown) => {
    if ((m as { ready?: boolean } | null)?.ready) ready.add(child.proc)
  })
}
