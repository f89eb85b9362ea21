// `pnpm dev`: the whole stack on one machine. Starts a throwaway redis-server on a free loopback port (unless
// REDIS_URL is set), then `turbo run dev` for every app with REDIS_URL pointing at it; Ctrl-C stops everything,
// Redis last, and leaves no process behind.
import { spawn } from 'node:child_process'
import { startRedisServer, type RedisServer } from '@portcullis/testkit'

const env = { ...process.env }
let redis: RedisServer | undefined

if (env.REDIS_URL) {
  console.warn(`dev: using REDIS_URL=${redactUrl(env.REDIS_URL)}`)
} else {
  try {
    redis = await startRedisServer()
  } catch {
    console.error(
      'dev: redis-server not found — install it (apt-get install redis-server, brew install redis) or set REDIS_URL',
    )
    process.exit(1)
  }
  env.REDIS_URL = redis.url
  console.warn(`dev: throwaway redis-server on ${redis.url} (no persistence)`)
}
env.TURBO_TELEMETRY_DISABLED ??= '1'

console.warn(
  'dev: demo at http://localhost:5173 — api http://localhost:3001, realtime ws://localhost:3002/v1/ws',
)
// Own process group, so one signal reaches turbo and every app it started.
const turbo = spawn('pnpm', ['exec', 'turbo', 'run', 'dev', '--ui=stream', ...process.argv.slice(2)], {
  env,
  stdio: 'inherit',
  detached: true,
})

let stopping = false
async function stop(code: number): Promise<void> {
  if (stopping) return
  stopping = true
  if (turbo.exitCode === null && turbo.pid !== undefined) {
    try {
      process.kill(-turbo.pid, 'SIGINT')
    } catch {
      // already gone
    }
    const killer = setTimeout(() => {
      try {
        if (turbo.pid !== undefined) process.kill(-turbo.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }, 5000)
    await new Promise((resolve) => (turbo.exitCode === null ? turbo.once('exit', resolve) : resolve(null)))
    clearTimeout(killer)
  }
  await redis?.stop()
  process.exit(code)
}

process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
turbo.on('exit', (code) => void stop(code ?? 1))

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparseable)'
  }
}
