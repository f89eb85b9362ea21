// Issue 17's "done when", end to end with the real processes: a production-mode api whose accounts come from a users
// file written by `pnpm users add` logs that user in; `pnpm users disable` closes the user's live socket (4401
// session_revoked); with no account source, production refuses to start with one line saying how to add one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp as buildRealtime, loadRealtimeConfig } from '@portcullis/realtime'
import { createRedisClient } from '@portcullis/sessions/redis'
import { freePort, uniquePrefix, waitFor } from '@portcullis/testkit'
import { bearer, connect } from '@portcullis/testkit/ws'
import { expect, onTestFinished, test } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const REDIS_PASSWORD = 'users-file-test-pw'

function own(child: ChildProcess): ChildProcess {
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  })
  return child
}

/** `pnpm users <args>` (the root script's command), the password on stdin. */
function users(
  file: string,
  args: string[],
  password?: string,
): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--conditions=source', 'apps/api/src/cli/users.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', USERS_FILE: file },
    input: password === undefined ? '' : `${password}\n`,
    encoding: 'utf8',
  })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

function startApi(env: Record<string, string>): {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
} {
  let output = ''
  const child = own(
    spawn(process.execPath, ['--conditions=source', 'src/server.ts'], {
      cwd: join(root, 'apps/api'),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

test('production api: pnpm users add → login → socket; pnpm users disable → 4401 session_revoked; no account source → refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-users-e2e-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const prefix = uniquePrefix('users-e2e')
  // Redis as deployed: `default` off, one ACL user with a password (production refuses Redis without credentials).
  const redisPort = await freePort()
  own(
    spawn('redis-server', [
      '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--user', 'default', 'off', '--user', 'portcullis', 'on', `>${REDIS_PASSWORD}`, '~*', '&*', '+@all',
    ], { stdio: 'ignore' }), // prettier-ignore
  )
  const redisUrl = `redis://portcullis:${REDIS_PASSWORD}@127.0.0.1:${redisPort}`
  const probe = createRedisClient(redisUrl)
  await waitFor(() => probe.connect().then(() => true, () => false), 'redis-server') // prettier-ignore
  await probe.close()

  const usersFile = join(dir, 'users.json')
  const added = users(usersFile, ['add', 'grace'], 'grace-long-password')
  expect(added.status, added.stderr).toBe(0)
  expect(added.stdout).toMatch(/^added grace \(id u_[A-Za-z0-9_-]+, roles user\)/)
  const keysFile = join(dir, 'signing-keys.json')
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })
  writeFileSync(keysFile, JSON.stringify([{ ...jwk, kid: 'k1', alg: 'ES256' }]))

  const apiPort = await freePort()
  const production = {
    NODE_ENV: 'production',
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    ALLOWED_ORIGINS: 'https://chat.example',
    TLS_TERMINATED_BY_PROXY: 'true',
    SIGNING_KEYS_FILE: keysFile,
    LOG_LEVEL: 'warn',
  }
  const api = startApi({ ...production, USERS_FILE: usersFile })
  const apiUrl = `http://127.0.0.1:${apiPort}`
  await waitFor(
    () =>
      fetch(`${apiUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      ),
    `the production api (${api.output()})`,
    20_000,
  )
  const realtime = await buildRealtime(
    loadRealtimeConfig({
      NODE_ENV: 'test',
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      ALLOWED_ORIGINS: 'https://chat.example',
      JWKS_URL: `${apiUrl}/.well-known/jwks.json`,
      LOG_LEVEL: 'warn',
    }),
  )
  onTestFinished(() => realtime.close())
  const wsUrl = `${(await realtime.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws')}/v1/ws`

  const login = await fetch(`${apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'grace', password: 'grace-long-password' }),
  })
  expect(login.status).toBe(200)
  const { accessToken } = (await login.json()) as { accessToken: string }
  const socket = await connect(wsUrl, { headers: bearer(accessToken) })
  expect(await socket.next({ type: 'welcome' })).toMatchObject({
    user: { username: 'grace', roles: ['user'] },
  })

  const disabled = users(usersFile, ['disable', 'grace'])
  expect(disabled.status, disabled.stderr).toBe(0)
  expect(await socket.closed).toEqual({ code: 4401, reason: 'session_revoked' })
  const again = await fetch(`${apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'grace', password: 'grace-long-password' }),
  })
  expect(again.status).toBe(401)
  expect(api.output()).not.toContain('$argon2id$')

  // No account source: refused before listening, one line that says how to add one.
  const none = startApi(production)
  expect(await none.exited).toBe(1)
  expect(none.output().trim().split('\n')).toEqual([
    'refusing to start in production: no account source, nobody could log in: run `pnpm users add <name>` and set USERS_FILE to its file, or set OIDC_ISSUER and OIDC_AUDIENCE (docs/guides/identity-providers.md)',
  ])
})
