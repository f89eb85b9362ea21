// The api image's build stage, minus Docker: `pnpm deploy --prod` of the built app into an empty folder, then the
// image's CMD run from there. Proves the deployed tree holds everything `node dist/server.js` needs (compiled
// workspace packages included, no TypeScript sources), and that it serves and refuses like the app itself.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { freePort, uniquePrefix, waitFor } from '../src/index.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
let out = ''

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 120_000 })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`)
}

/** Runs the image's command (the package's `start`) in the deployed folder, capturing its output. */
function start(env: Record<string, string>) {
  // The package's `start` script is the image's CMD (deployment-files.test.ts keeps them equal).
  const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as { scripts: { start: string } }
  const [, ...args] = pkg.scripts.start.split(/\s+/)
  const child = spawn(process.execPath, args, {
    cwd: out,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  for (const s of [child.stdout, child.stderr]) s.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { child, exited, output: () => output }
}

beforeAll(() => {
  out = join(mkdtempSync(join(tmpdir(), 'portcullis-deploy-')), 'app')
  // The same two steps as apps/api/Dockerfile's build stage. `pnpm test` has built everything already; build
  // only when run alone on a tree without output (rebuilding would rewrite dist/ under other running tests).
  const built = [
    'apps/api/dist/server.js',
    'packages/config/dist/index.js',
    'packages/sessions/dist/index.js',
  ]
  if (!built.every((f) => existsSync(join(root, f))))
    run('pnpm', [
      'exec',
      'turbo',
      'run',
      'build',
      '--filter',
      '@portcullis/api...',
      '--output-logs=errors-only',
    ])
  run('pnpm', ['deploy', '--filter', '@portcullis/api', '--prod', out])
}, 180_000)

afterAll(() => {
  if (out) rmSync(join(out, '..'), { recursive: true, force: true })
})

describe('pnpm deploy of the api (what the image runs)', () => {
  it('holds the compiled app and compiled workspace packages, no dev tooling', () => {
    expect(existsSync(join(out, 'dist/server.js'))).toBe(true)
    expect(existsSync(join(out, 'dist/instrument.js'))).toBe(true)
    expect(existsSync(join(out, 'node_modules/@portcullis/config/dist/index.js'))).toBe(true)
    expect(existsSync(join(out, 'node_modules/vitest'))).toBe(false)
    expect(existsSync(join(out, 'node_modules/typescript'))).toBe(false)
  })

  it('serves /healthz with the image command', async () => {
    const port = await freePort()
    const server = start({
      API_PORT: String(port),
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: uniquePrefix('deploy'),
      DEV_KEYS_DIR: join(out, '..', 'keys'),
    })
    try {
      const ok = await waitFor(
        () =>
          fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        'the deployed api to answer',
        15_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; it said: ${server.output()}`)
      })
      expect(ok).toBe(true)
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })

  it('refuses an unsafe production start with one line per problem', async () => {
    const server = start({ NODE_ENV: 'production', API_PORT: String(await freePort()) })
    expect(await server.exited).toBe(1)
    const lines = server.output().trim().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(3)
    for (const line of lines) expect(line).toMatch(/^refusing to start in production: /)
  })
})
