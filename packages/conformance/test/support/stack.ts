// Real deployments for the suite to attack: the api and realtime apps as separate processes, started the way
// `pnpm dev` starts them (node --conditions=source … src/server.ts, configured by environment variables alone),
// optionally behind the real HAProxy with TLS. The suite is never given anything but their URLs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rootCertificates } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { freePort, uniquePrefix } from '@portcullis/testkit'

const root = fileURLToPath(new URL('../../../../', import.meta.url))

/** One child process we own, with its output kept for diagnostics. */
export interface Child {
  readonly process: ChildProcess
  output(): string
  stop(): Promise<void>
}

function own(child: ChildProcess): Child {
  let output = ''
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)))
  return {
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** GET `url` until it answers 200 (or the child dies, or 30 s pass). */
async function waitReady(url: string, child: Child, ca?: string): Promise<void> {
  const deadline = Date.now() + 30_000
  let last = ''
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null)
      throw new Error(`exited ${child.process.exitCode}: ${child.output()}`)
    const status = await new Promise<number>((resolve) => {
      const request = url.startsWith('https:') ? httpsRequest : httpRequest
      request(url, { agent: false, ...(ca ? { ca: [...rootCertificates, ca] } : {}) }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
        .on('error', (err) => ((last = err.message), resolve(0)))
        .end()
    })
    if (status === 200) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} not ready within 30 s (${last}): ${child.output()}`)
}

/** Starts `apps/<app>/src/server.ts` with exactly `env` (plus PATH/HOME) and waits for `readyPath`. */
export async function startApp(
  app: 'api' | 'realtime',
  env: Record<string, string>,
  port: number,
): Promise<Child> {
  const child = own(
    spawn(process.execPath, ['--conditions=source', '--import', './src/instrument.ts', 'src/server.ts'], {
      cwd: join(root, 'apps', app),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
  await waitReady(`http://127.0.0.1:${port}${app === 'api' ? '/healthz' : '/readyz'}`, child).catch(
    async (err: Error) => {
      await child.stop()
      throw new Error(`${app}: ${err.message}`)
    },
  )
  return child
}

/** Settings that keep the suite fast: 10 s tokens (the api's minimum), a 2 s idle timeout. */
export const FAST = {
  api: { ACCESS_TOKEN_TTL_S: '10' },
  realtime: { IDLE_TIMEOUT_MS: '2000', EXPIRY_WARNING_S: '3' },
} as const

export interface Stack {
  readonly api: string
  readonly ws: readonly string[]
  readonly origin: string
  /** The dev CA (HAProxy stacks only). */
  readonly caFile?: string
  stop(): Promise<void>
  /** Output of every process, for a failing test's message. */
  logs(): string
}

/**
 * A plain stack like `pnpm dev`: one api and one realtime over the test project's redis-server (own key prefix).
 * `realtime` overrides are how a test misconfigures it.
 */
export async function startPlainStack(
  redisUrl: string,
  o: { realtime?: Record<string, string>; label: string },
): Promise<Stack> {
  const keys = mkdtempSync(join(tmpdir(), 'conformance-keys-'))
  const [apiPort, rtPort] = [await freePort(), await freePort()]
  const origin = 'http://localhost:5173'
  const shared = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: uniquePrefix(o.label),
    ALLOWED_ORIGINS: origin,
  }
  const api = await startApp(
    'api',
    { ...shared, ...FAST.api, API_PORT: String(apiPort), DEV_KEYS_DIR: keys },
    apiPort,
  )
  const realtime = await startApp(
    'realtime',
    {
      ...shared,
      ...FAST.realtime,
      REALTIME_PORT: String(rtPort),
      JWKS_URL: `http://127.0.0.1:${apiPort}/.well-known/jwks.json`,
      ...o.realtime,
    },
    rtPort,
  ).catch(async (err: unknown) => {
    await api.stop()
    throw err
  })
  return {
    api: `http://127.0.0.1:${apiPort}`,
    ws: [`ws://127.0.0.1:${rtPort}/v1/ws`],
    origin,
    async stop() {
      await realtime.stop()
      await api.stop()
      rmSync(keys, { recursive: true, force: true })
    },
    logs: () => `api:\n${api.output()}\nrealtime:\n${realtime.output()}`,
  }
}

/**
 * The scale-out deployment of packages/test-stack/test/scale-out.test.ts: HAProxy (infra/haproxy/haproxy.cfg, as
 * shipped) terminating TLS with a `pnpm dev:tls` certificate in front of the api and two realtime instances in
 * production mode, over a redis-server that requires a password. The suite sees one https/wss origin.
 */
export async function startProxyStack(): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-proxy-'))
  const children: Child[] = []
  const stop = async () => {
    for (const child of children.toReversed()) await child.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const certs = spawnSync(
      process.execPath,
      [join(root, 'scripts/dev-tls.ts'), '--certs-only', '--out', dir],
      { encoding: 'utf8' },
    )
    if (certs.status !== 0) throw new Error(`dev-tls: ${certs.stderr}`)
    const files = JSON.parse(certs.stdout) as { ca: string; bundle: string }
    const ca = readFileSync(files.ca, 'utf8')
    const ports = await Promise.all(Array.from({ length: 7 }, () => freePort()))
    const [redisPort, apiPort, rt1, rt2, proxyPort, proxyHttpPort, webPort] = ports as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ]
    const password = `conformance-${Math.random().toString(36).slice(2)}`
    const redis = own(
      spawn(
        'redis-server',
        [
          '--port',
          String(redisPort),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--requirepass',
          password,
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    )
    children.push(redis)
    const origin = `https://127.0.0.1:${proxyPort}`
    const shared = {
      LOG_LEVEL: 'warn',
      REDIS_URL: `redis://:${password}@127.0.0.1:${redisPort}`,
      REDIS_KEY_PREFIX: uniquePrefix('proxy'),
      ALLOWED_ORIGINS: origin,
      TLS_TERMINATED_BY_PROXY: 'true',
      TRUSTED_PROXIES: '127.0.0.1',
    }
    children.push(
      await startApp(
        'api',
        {
          ...shared,
          ...FAST.api,
          NODE_ENV: 'test',
          API_PORT: String(apiPort),
          DEV_KEYS_DIR: join(dir, 'keys'),
        },
        apiPort,
      ),
    )
    const jwks = `http://127.0.0.1:${apiPort}/.well-known/jwks.json`
    const instances = await Promise.all(
      [rt1, rt2].map((port) =>
        startApp(
          'realtime',
          {
            ...shared,
            ...FAST.realtime,
            NODE_ENV: 'production',
            REALTIME_PORT: String(port),
            JWKS_URL: jwks,
          },
          port,
        ),
      ),
    )
    children.push(...instances)
    const proxy = own(
      spawn('haproxy', ['-db', '-f', join(root, 'infra/haproxy/haproxy.cfg')], {
        env: {
          ...process.env,
          PROXY_BIND: '127.0.0.1',
          PROXY_HTTPS_PORT: String(proxyPort),
          PROXY_HTTP_PORT: String(proxyHttpPort),
          PROXY_CERT: files.bundle,
          API_ADDR: `127.0.0.1:${apiPort}`,
          REALTIME_1_ADDR: `127.0.0.1:${rt1}`,
          REALTIME_2_ADDR: `127.0.0.1:${rt2}`,
          WEB_ADDR: `127.0.0.1:${webPort}`, // nothing listens: the demo is not part of this test
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    )
    children.push(proxy)
    await waitReady(`${origin}/.well-known/jwks.json`, proxy, ca)
    return {
      api: origin,
      // One public URL; HAProxy's leastconn puts two live sockets on the two instances.
      ws: [`wss://127.0.0.1:${proxyPort}/v1/ws`, `wss://127.0.0.1:${proxyPort}/v1/ws`],
      origin,
      caFile: files.ca,
      stop,
      logs: () => children.map((c) => c.output()).join('\n'),
    }
  } catch (err) {
    await stop()
    throw err
  }
}
