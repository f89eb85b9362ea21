import { spawn, type ChildProcess } from 'node:child_process'
import { createConnection } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from './ports.ts'

/** A redis-server child process owned by the test run: loopback only, no persistence. */
export interface RedisServer {
  readonly url: string
  readonly port: number
  /** Stops exactly this process (SIGTERM, then SIGKILL after 2 s). */
  stop(): Promise<void>
  /** Kills the server abruptly (for fail-closed tests); `start()` brings it back on the same port. */
  kill(): Promise<void>
  start(): Promise<void>
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (ok) return
    await sleep(20)
  }
  throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`)
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Starts `redis-server` on a free loopback port with persistence off.
 * @example const redis = await startRedisServer(); process.env.REDIS_URL = redis.url; await redis.stop()
 */
export async function startRedisServer(
  options: {
    port?: number
    bin?: string
    /** Extra `redis-server` arguments (cluster mode, a data dir). */ args?: readonly string[]
  } = {},
): Promise<RedisServer> {
  const port = options.port ?? (await freePort())
  const bin = options.bin ?? 'redis-server'
  let child: ChildProcess | undefined

  const start = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    args.push('--protected-mode', 'yes', '--loglevel', 'warning', ...(options.args ?? []))
    const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    child = proc
    let stderr = ''
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const spawnError = new Promise<never>((_, reject) => {
      proc.once('error', (err) =>
        reject(new Error(`cannot start ${bin} (apt-get install redis-server): ${err.message}`)),
      )
    })
    await Promise.race([waitForPort(port, 10_000), spawnError]).catch((err: unknown) => {
      proc.kill('SIGKILL')
      throw new Error(`${(err as Error).message}${stderr ? `\n${stderr}` : ''}`)
    })
  }

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child
    if (!proc) return
    child = undefined
    proc.kill(signal)
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000)
    await exited(proc)
    clearTimeout(timer)
  }

  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    start,
  }
}
