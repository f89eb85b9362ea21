import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { get as httpsGet } from 'node:https'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { freePort, waitFor } from '@portcullis/testkit'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { REPO_ROOT } from '../src/generate/files.ts'

// `pnpm dev` as a newcomer runs it: real processes (a throwaway redis-server, the api, realtime and Vite), read
// through its terminal output. Ports are free ones (env overrides), so it runs beside anything else.
const keysDir = mkdtempSync(join(tmpdir(), 'portcullis-dev-keys-'))
let dev: ChildProcess
let output = ''
const ports = { api: 0, realtime: 0, web: 0, oidc: 0 }

/** Whether realtime answers `/readyz` with 200 (false while it restarts). */
const realtimeReady = (): Promise<boolean> =>
  fetch(`http://127.0.0.1:${ports.realtime}/readyz`).then(
    (res) => res.status === 200,
    () => false,
  )
const lines = () => output.split('\n')
const listening = () => lines().filter((l) => /^realtime│ .*Server listening at/.test(l)).length
const closed = async (port: number) =>
  fetch(`http://127.0.0.1:${port}/readyz`).then(
    () => false,
    () => true,
  )

beforeAll(async () => {
  ports.api = await freePort()
  ports.realtime = await freePort()
  ports.web = await freePort()
  ports.oidc = await freePort()
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    API_PORT: String(ports.api),
    REALTIME_PORT: String(ports.realtime),
    WEB_PORT: String(ports.web),
    DEV_OIDC_PORT: String(ports.oidc),
    DEV_KEYS_DIR: keysDir,
  }
  delete env.REDIS_URL // the runner starts its own
  delete env.OIDC_ISSUER // and its own identity provider
  dev = spawn('pnpm', ['run', 'dev'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  dev.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  dev.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  await waitFor(
    () => output.includes('Portcullis is ready'),
    `the ready banner; output so far:\n${output}`,
    90_000,
  )
}, 100_000)

afterAll(async () => {
  if (dev && dev.exitCode === null && dev.signalCode === null) {
    dev.kill('SIGTERM')
    await new Promise((resolve) => dev.once('exit', resolve))
  }
  rmSync(keysDir, { recursive: true, force: true })
})

/** The URL the banner prints for `name` (`demo`, `api`, `realtime`). */
function bannerUrl(name: string): string {
  const line = lines().find((l) => new RegExp(`^ {4}${name} +\\S+://`).test(l))
  if (!line) throw new Error(`no ${name} line in the banner:\n${output}`)
  return line.trim().split(/\s+/)[1]!
}

describe('pnpm dev', () => {
  it('prints one ready banner with the real URLs, and they answer', async () => {
    expect(lines().filter((l) => l.includes('Portcullis is ready'))).toHaveLength(1)
    expect(bannerUrl('demo')).toBe(`http://localhost:${ports.web}`)
    expect(bannerUrl('api')).toBe(`http://127.0.0.1:${ports.api}`)
    expect(bannerUrl('realtime')).toBe(`ws://127.0.0.1:${ports.realtime}/v1/ws`)

    const page = await fetch(bannerUrl('demo'))
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>')
    expect((await fetch(`${bannerUrl('api')}/readyz`)).status).toBe(200)
    const login = await fetch(`${bannerUrl('api')}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: bannerUrl('demo') },
      body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
    })
    expect(login.status).toBe(200)
    expect(login.headers.get('access-control-allow-origin')).toBe(bannerUrl('demo'))
    const realtime = new URL(bannerUrl('realtime').replace(/^ws/, 'http'))
    expect((await fetch(new URL('/readyz', realtime))).status).toBe(200)
  })

  it('shows readable log lines, not raw JSON, and no warning on a normal start', async () => {
    const appLines = () => lines().filter((l) => /^(api|realtime|web) *│ /.test(l))
    await waitFor(
      () => appLines().some((l) => /^realtime│ \[[\d:.]+\] INFO: Server listening at/.test(l)),
      `a pretty "Server listening" line from realtime; output:\n${output}`,
    )
    expect(appLines().some((l) => /^api +│ \[[\d:.]+\] INFO: Server listening at/.test(l))).toBe(true)
    expect(appLines().filter((l) => l.includes('│ {"level"'))).toEqual([])
    expect(lines().filter((l) => /\b(WARN|ERROR|FATAL)\b|ECONNREFUSED|not found/.test(l))).toEqual([])
  })

  it('runs a local OpenID provider the api trusts, with the demo as its client', async () => {
    const issuer = bannerUrl('oidc')
    expect(issuer).toBe(`http://127.0.0.1:${ports.oidc}`)
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
      issuer: string
      code_challenge_methods_supported: string[]
      backchannel_logout_supported: boolean
    }
    expect(discovery).toMatchObject({ issuer, backchannel_logout_supported: true })
    expect(discovery.code_challenge_methods_supported).toContain('S256')
    // The api has it configured: a forged token is refused 401 (not 404: no provider; not 503: keys unavailable).
    const exchange = await fetch(`${bannerUrl('api')}/v1/auth/exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subjectToken: 'a.b.c',
        subjectTokenType: 'urn:ietf:params:oauth:token-type:id_token',
      }),
    })
    expect(exchange.status).toBe(401)
    // The demo page was built for it: its CSP lets the page reach the provider.
    expect(await (await fetch(bannerUrl('demo'))).text()).toContain(issuer)
  })

  it('restarts realtime when a workspace package it uses changes (packages/protocol)', async () => {
    const file = join(REPO_ROOT, 'packages/protocol/src/limits.ts')
    const before = listening()
    // Same bytes: the file watcher sees a write, nobody sees a change.
    writeFileSync(file, readFileSync(file))
    await waitFor(() => listening() > before, `realtime to restart; output:\n${output}`, 30_000)
    expect(output).toContain("realtime│ Change detected in '")
    // The api uses the package too and restarts with it: realtime is ready again once it holds the api's keys.
    await waitFor(realtimeReady, `realtime ready after the restart; output:\n${output}`, 15_000)
  })

  it('stops everything on SIGTERM (what pnpm forwards on Ctrl-C, and what process managers send)', async () => {
    dev.kill('SIGTERM')
    await new Promise((resolve) => dev.once('exit', resolve))
    for (const port of Object.values(ports))
      await waitFor(() => closed(port), `port ${port} to close`, 15_000)
    expect(output).not.toContain('oidc-provider WARNING')
  })
})

describe('pnpm dev without redis-server', () => {
  it('says in one line how to get one, and exits 1', () => {
    // PATH with node only: no redis-server (and no REDIS_URL).
    const env: NodeJS.ProcessEnv = { PATH: dirname(process.execPath), HOME: process.env.HOME }
    const run = spawnSync(
      process.execPath,
      ['--conditions=source', join(REPO_ROOT, 'packages/devtools/src/dev/main.ts')],
      { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 30_000 },
    )
    expect(run.status).toBe(1)
    const out = `${run.stdout}${run.stderr}`.trim().split('\n')
    expect(out).toHaveLength(1)
    expect(out[0]).toMatch(/redis-server not found/)
    expect(out[0]).toContain('apt-get install redis-server')
    expect(out[0]).toContain('brew install redis')
    expect(out[0]).toContain('REDIS_URL')
  })
})

describe('pnpm dev:tls', () => {
  it('serves the demo, the api and realtime over TLS with the local CA, and says so in the banner', async () => {
    const [api, realtime, web] = [await freePort(), await freePort(), await freePort()]
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      API_PORT: String(api),
      REALTIME_PORT: String(realtime),
      WEB_PORT: String(web),
      DEV_KEYS_DIR: keysDir,
    }
    delete env.REDIS_URL
    const child = spawn('pnpm', ['run', 'dev:tls'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
    onTestFinished(async () => {
      child.kill('SIGTERM')
      for (const port of [api, realtime, web])
        await waitFor(() => closed(port), `port ${port} to close`, 15_000)
    })
    await waitFor(() => out.includes('Portcullis is ready'), `the TLS banner; output:\n${out}`, 90_000)
    expect(out).toContain('over TLS with the local CA')
    expect(out).toContain(`https://localhost:${web}`)
    expect(out).toContain(`wss://127.0.0.1:${realtime}/v1/ws`)
    const ca = readFileSync(join(REPO_ROOT, '.dev-tls/ca.pem'))
    for (const url of [
      `https://localhost:${web}/`,
      `https://127.0.0.1:${api}/readyz`,
      `https://127.0.0.1:${realtime}/readyz`,
    ])
      expect(await httpsStatus(url, ca), url).toBe(200)
  }, 100_000)
})

/** GET over https trusting only `ca` (the dev CA), resolving the status code. */
function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    }).on('error', reject)
  })
}
