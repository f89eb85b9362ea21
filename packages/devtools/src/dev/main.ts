// `pnpm dev`: the whole stack on one machine.
//
// 1. A throwaway redis-server on a free loopback port (persistence off), unless REDIS_URL is set (in the
//    environment or an app's .env); without redis-server on PATH it says how to get one, in one line.
// 2. The api, then — once the api answers /readyz, so the first JWKS fetch succeeds — the realtime server; the demo
//    (Vite) alongside. Each runs its own `dev` script: TypeScript sources through the `source` condition, restarted
//    by `node --watch` when any module it loaded changes (workspace packages included). `apps/<app>/.env` is read
//    here and passed in the environment (real variables win; Vite reads the demo's itself) — not with
//    --env-file-if-exists, which aborts node's watch mode on Ctrl-C when the file is missing
//    (docs/decisions/0841-dev-runner.md). Logs are pino-pretty lines prefixed with the service name.
// 3. A local OpenID Connect provider (development only: oidc-provider with the demo users carol and dave) on
//    DEV_OIDC_PORT (default 3003, any free port when busy), unless OIDC_ISSUER is yours; the api trusts it and the
//    demo offers "Sign in with OpenID Connect" (docs/guides/identity-providers.md).
// 4. One ready banner with the real URLs once every service answers /readyz.
// 5. Ctrl-C (SIGINT) or SIGTERM stops the apps, then the provider and Redis, and leaves no process behind.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startRedisServer, type RedisServer } from '@portcullis/testkit'
import { startDevProvider, type DevProvider } from './oidc.ts'
import { lineFormatter, pipeLines } from './output.ts'
import { devPlan, readEnvFile, readyBanner, type DevPlan, type DevService } from './plan.ts'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const started = Date.now()
const colorize = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
const write = (line: string) => process.stdout.write(`${line}\n`)
const say = (
  (format) => (text: string) =>
    write(format(text))
)(lineFormatter('dev', colorize))

const files = {
  api: readEnvFile(ROOT, 'api'),
  realtime: readEnvFile(ROOT, 'realtime'),
  web: readEnvFile(ROOT, 'web'),
}
let plan: DevPlan
try {
  plan = devPlan(process.env, files)
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  process.exit(1)
}

const children: ChildProcess[] = []
let redis: RedisServer | undefined
let provider: DevProvider | undefined
let stopping = false

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true
    await Promise.all(children.map((child) => stopGroup(child)))
    await provider?.close()
    await redis?.stop()
  }
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))

/** Signals a child's process group (the shell, node --watch and the app), then waits; SIGKILL after 5 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const pid = child.pid
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s)
    } catch {
      // already gone
    }
  }
  signal('SIGINT')
  const killer = setTimeout(() => signal('SIGKILL'), 5000)
  await new Promise((resolve) => child.once('exit', resolve))
  clearTimeout(killer)
  signal('SIGKILL') // anything the app left in its group
}

const redisUrl = process.env.REDIS_URL || files.api.REDIS_URL || files.realtime.REDIS_URL
if (redisUrl) {
  say(`using your Redis at ${redact(redisUrl)}`)
} else {
  try {
    redis = await startRedisServer()
  } catch (err) {
    const missing = /ENOENT/.test((err as Error).message)
    console.error(
      missing
        ? 'dev: redis-server not found — install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a Redis you run'
        : `dev: redis-server did not start: ${(err as Error).message.split('\n')[0]}`,
    )
    process.exit(1)
  }
}
const redisShown = redis ? `${redis.url} (throwaway, no persistence)` : redact(redisUrl ?? '')

function start(service: DevService): ChildProcess {
  const child = spawn(process.execPath, ['--run', 'dev'], {
    cwd: join(ROOT, service.dir),
    env: {
      ...(service.name === 'web' ? {} : files[service.name]),
      ...process.env,
      ...service.env,
      ...(service.name === 'api' ? provider?.env.api : service.name === 'web' ? provider?.env.web : {}),
      ...(redis ? { REDIS_URL: redis.url } : {}),
      TURBO_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: one signal reaches the shell, node --watch and the app.
    detached: true,
  })
  children.push(child)
  pipeLines([child.stdout, child.stderr], lineFormatter(service.name, colorize), write)
  child.once('exit', (code, signal) => {
    if (stopping) return
    console.error(`dev: ${service.name} exited (${signal ?? `code ${code}`}); stopping the stack`)
    void stop(1)
  })
  return child
}

/** Polls the service's /readyz until it answers 200; nags once a while so a stuck start-up is visible. */
async function ready(service: DevService): Promise<void> {
  let nagAt = Date.now() + 30_000
  for (;;) {
    try {
      const res = await fetch(service.readyUrl, { signal: AbortSignal.timeout(2000) })
      await res.body?.cancel()
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    if (Date.now() > nagAt) {
      say(`still waiting for ${service.name} at ${service.readyUrl} — see its lines above`)
      nagAt = Date.now() + 30_000
    }
    await new Promise((r) => setTimeout(r, 150))
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparseable REDIS_URL)'
  }
}

// Your own provider (OIDC_ISSUER) wins; without one, the local provider stands in so the demo can show the exchange.
if (!process.env.OIDC_ISSUER && !files.api.OIDC_ISSUER) {
  try {
    provider = await startDevProvider(plan, process.env.DEV_OIDC_PORT)
  } catch (err) {
    console.error(`dev: the local OpenID provider did not start: ${(err as Error).message}`)
    await stop(1)
  }
}

start(plan.api)
start(plan.web)
// Realtime fetches the api's keys as it starts: starting it after the api is ready makes that fetch succeed.
await ready(plan.api)
start(plan.realtime)
await Promise.all([ready(plan.realtime), ready(plan.web)])
write(readyBanner(plan, redisShown, (Date.now() - started) / 1000, provider?.issuer))
