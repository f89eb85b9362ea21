import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { startStack, type Stack } from '../src/index.ts'
import { installPacked } from './packed-install.ts'

// docs/guides/verify-tokens.md, proven: the examples run in a project OUTSIDE the workspace that installed the
// published @portcullis/tokens (its packed tarball, with npm, plain Node, no `source` condition), and verify
// access tokens issued by a running api against its JWKS.

const require = createRequire(import.meta.url)
const tokensDir = dirname(require.resolve('@portcullis/tokens/package.json'))
const protocolDir = dirname(
  createRequire(join(tokensDir, 'package.json')).resolve('@portcullis/protocol/package.json'),
)
const ISSUER = 'https://api.example.test'
const AUDIENCE = 'portcullis'

const work = mkdtempSync(join(tmpdir(), 'portcullis-verify-example-'))
let service = ''
let stack: Stack

beforeAll(async () => {
  ;[service, stack] = await Promise.all([
    installPacked({ workspace: [protocolDir, tokensDir], extra: ['fastify', '@fastify/jwt'], work }),
    startStack({
      label: 'verify-example',
      api: { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE },
      realtime: { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE },
    }),
  ])
  for (const file of ['fastify-service.ts', 'node-http-service.ts'])
    copyFileSync(join(tokensDir, 'examples', file), join(service, file))
}, 180_000)

afterAll(async () => {
  await stack?.close()
  rmSync(work, { recursive: true, force: true })
})

test('the installed package is the published shape: dist only, no source condition, ESM with types', () => {
  const installed = join(service, 'node_modules/@portcullis/tokens')
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >
  expect(JSON.stringify(manifest.exports)).not.toContain('source')
  expect(JSON.stringify(manifest.dependencies)).not.toMatch(/workspace:|catalog:/)
  expect(existsSync(join(installed, 'src'))).toBe(false)
  expect(existsSync(join(installed, 'dist/index.d.ts'))).toBe(true)
  expect(existsSync(join(installed, 'dist/fastify.d.ts'))).toBe(true)
  expect(existsSync(join(installed, 'dist/testing/index.js'))).toBe(true)
})

/** Starts an example with plain Node in the installed project; resolves with its base URL. */
async function startExample(file: string): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, [file], {
    cwd: service,
    env: {
      PATH: process.env.PATH,
      JWKS_URL: `${stack.apiUrl}/.well-known/jwks.json`,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onTestFinished(() => {
    child.kill('SIGTERM')
  })
  let output = ''
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start: ${output}`)), 20_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const port = /listening (?:at http:\/\/127\.0\.0\.1:|on )(\d+)/i.exec(output)?.[1]
      if (port) {
        clearTimeout(timer)
        resolve(`http://127.0.0.1:${port}`)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}: ${output}`)))
  })
}

async function login(): Promise<{ accessToken: string; sessionId: string }> {
  const res = await fetch(`${stack.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
  })
  expect(res.status).toBe(200)
  return (await res.json()) as { accessToken: string; sessionId: string }
}

/** The same token with another user in its payload and the original signature. */
function tampered(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
  const forged = Buffer.from(
    JSON.stringify({ ...claims, sub: 'u_admin', roles: ['user', 'admin'] }),
  ).toString('base64url')
  return `${header}.${forged}.${signature}`
}

describe.each(['fastify-service.ts', 'node-http-service.ts'])('%s', (file) => {
  test(
    'verifies an access token of the running api and refuses a tampered one',
    { timeout: 60_000 },
    async () => {
      const base = await startExample(file)
      await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 10_000 }).toBe(200)
      const { accessToken, sessionId } = await login()
      const me = (token?: string) =>
        fetch(`${base}/me`, { headers: token ? { authorization: `Bearer ${token}` } : {} })

      const ok = await me(accessToken)
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({ userId: 'u_alice', sessionId, roles: ['user'] })

      const forged = await me(tampered(accessToken))
      expect(forged.status).toBe(401)
      expect(await forged.json()).toEqual({ error: 'invalid_token' })

      const none = await me()
      expect(none.status).toBe(401)
      expect(await none.json()).toEqual({ error: 'missing_credentials' })
    },
  )
})
