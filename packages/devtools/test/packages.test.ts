import { execFile, execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, extname, join } from 'node:path'
import { promisify } from 'node:util'
import { launchChromium } from '@portcullis/testkit/browser'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { REPO_ROOT } from '../src/generate/files.ts'
import { readTarball, tarballProblems } from '../src/release/tarball.ts'

// The public packages as another project gets them: packed tarballs installed with plain npm outside the
// workspace (offline: typebox is packed from the local store), no `source` condition, no TypeScript.
const work = mkdtempSync(join(tmpdir(), 'portcullis-packages-'))
const tarballs = join(work, 'tarballs')
const app = join(work, 'app')
afterAll(() => rmSync(work, { recursive: true, force: true }))

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  })
}

beforeAll(() => {
  for (const pkg of ['protocol', 'client']) {
    const dir = join(REPO_ROOT, 'packages', pkg)
    if (!existsSync(join(dir, 'dist/index.js'))) run('pnpm', ['run', 'build'], dir)
    run('pnpm', ['pack', '--pack-destination', tarballs], dir)
  }
  const typeboxDir = dirname(
    realpathSync(join(REPO_ROOT, 'packages/protocol/node_modules/typebox/package.json')),
  )
  // pnpm's store hard-links files and npm drops hard-link entries on extraction: dereference them.
  run(
    'tar',
    [
      '--hard-dereference',
      '-czf',
      join(tarballs, 'typebox.tgz'),
      '--transform',
      's,^\\.,package,',
      '-C',
      typeboxDir,
      '.',
    ],
    work,
  )
  mkdirSync(app)
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'another-app', private: true, type: 'module' }),
  )
  const files = readdirSync(tarballs).map((f) => join(tarballs, f))
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...files], app)
}, 120_000)

/** What the example program reports; the same code runs in Node and, bundled, in Chromium. */
const PROGRAM = `
import { PortcullisClient, PortcullisError, DEFAULT_BACKOFF } from '@portcullis/client'
import * as sdk from '@portcullis/client'
import { parseServerMessage } from '@portcullis/protocol'

export async function check(apiUrl) {
  const client = new PortcullisClient({ apiUrl, realtimeUrl: 'ws://127.0.0.1:9' })
  let error
  try {
    await client.login('alice', 'wrong-password')
  } catch (err) {
    error = err
  }
  return {
    exports: Object.keys(sdk).sort(),
    state: client.state,
    loginError: error instanceof PortcullisError ? error.code : String(error),
    backoff: typeof DEFAULT_BACKOFF,
    parsed: parseServerMessage('{"type":"pong","id":"1"}').ok,
  }
}
`
const EXPECTED = {
  exports: ['DEFAULT_BACKOFF', 'PortcullisClient', 'PortcullisError', 'inboxChannel', 'inboxOwner'],
  state: 'idle',
  loginError: 'invalid_credentials',
  backoff: 'object',
  parsed: true,
}

/** A stand-in api that refuses every login the way the real one does, and serves `dir` (the bundle). */
async function fakeApi(dir?: string): Promise<string> {
  const server = createServer(async (req, res) => {
    if (req.url === '/v1/auth/login') {
      res.writeHead(401, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
      res.end(JSON.stringify({ error: 'invalid_credentials', message: 'invalid username or password' }))
      return
    }
    const path = join(dir ?? '/nonexistent', req.url === '/' ? 'index.html' : (req.url ?? ''))
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' }
    try {
      const body = await readFile(path)
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

describe('@portcullis/client and @portcullis/protocol from their tarballs', () => {
  it('pack without the source condition, sources or workspace ranges', () => {
    for (const file of readdirSync(tarballs).filter((f) => f.startsWith('portcullis-'))) {
      const contents = readTarball(join(tarballs, file))
      expect(tarballProblems(contents), file).toEqual([])
      expect(JSON.stringify(contents.manifest.exports)).not.toContain('source')
      expect(contents.files).toContain('dist/index.d.ts')
      expect(contents.files).toContain('LICENSE')
    }
  })

  it('have READMEs that work on the registry page: every link absolute, into this repository', () => {
    const repository = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { repository: { url: string } }
    ).repository.url
      .replace(/^git\+/, '')
      .replace(/\.git$/, '')
    for (const pkg of ['protocol', 'client']) {
      const readme = readFileSync(join(REPO_ROOT, 'packages', pkg, 'README.md'), 'utf8')
      const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!)
      expect(links.length, pkg).toBeGreaterThan(0)
      expect(
        links.filter((l) => !l.startsWith(repository) && !l.startsWith('https://www.npmjs.com/')),
        pkg,
      ).toEqual([])
      const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', pkg, 'package.json'), 'utf8')) as {
        repository: { url: string }
      }
      expect(manifest.repository.url).toBe(`git+${repository}.git`)
      expect(readFileSync(join(REPO_ROOT, 'packages', pkg, 'LICENSE'), 'utf8')).toBe(
        readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'),
      )
    }
  })

  it('import and work in plain Node', async () => {
    writeFileSync(join(app, 'program.js'), PROGRAM)
    writeFileSync(
      join(app, 'main.js'),
      `import { check } from './program.js'\nconsole.log(JSON.stringify(await check(process.argv[2])))\n`,
    )
    // Asynchronously: the stand-in api lives in this process and must keep answering meanwhile.
    const { stdout } = await promisify(execFile)(process.execPath, ['main.js', await fakeApi()], { cwd: app })
    const out = JSON.parse(stdout) as unknown
    expect(out).toEqual(EXPECTED)
  })

  it('bundle for the browser and work in Chromium', async () => {
    writeFileSync(join(app, 'program.js'), PROGRAM)
    writeFileSync(
      join(app, 'index.html'),
      '<!doctype html><title>sdk</title><script type="module">import { check } from "./program.js"; window.result = check(location.origin)</script>',
    )
    // Vite resolves @portcullis/client from app/node_modules as any browser project would (browser conditions).
    await build({
      root: app,
      configFile: false,
      logLevel: 'silent',
      build: { outDir: join(app, 'dist'), minify: false },
    })
    const origin = await fakeApi(join(app, 'dist'))
    const browser = await launchChromium()
    onTestFinished(() => browser.close())
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(origin)
    const result = await page.evaluate(() => (globalThis as unknown as { result: Promise<unknown> }).result)
    expect(errors).toEqual([])
    expect(result).toEqual(EXPECTED)
  })
})

describe('pnpm release --dry-run', () => {
  it('builds, packs and verifies both packages, and publishes nothing', { timeout: 120_000 }, () => {
    const out = run('pnpm', ['release', '--dry-run'], REPO_ROOT)
    expect(out).toMatch(/would publish @portcullis\/protocol@\d+\.\d+\.\d+ \(\d+ files\)/)
    expect(out).toMatch(/would publish @portcullis\/client@\d+\.\d+\.\d+ \(\d+ files\)/)
    expect(out).toMatch(/would publish @portcullis\/tokens@\d+\.\d+\.\d+ \(\d+ files\)/)
    expect(out).toMatch(/would publish @portcullis\/conformance@\d+\.\d+\.\d+ \(\d+ files\)/)
    expect(out).toContain('dry run — nothing was published')
  })

  it('refuses a tarball that still points at TypeScript sources', () => {
    const problems = tarballProblems({
      files: ['package.json', 'README.md', 'src/index.ts'],
      manifest: {
        exports: { '.': { source: './src/index.ts', default: './dist/index.js' } },
        dependencies: { '@portcullis/protocol': 'workspace:*' },
      },
    })
    expect(problems).toEqual([
      'exports still use the `source` condition',
      'dependency @portcullis/protocol is still workspace:*',
      'export target ./dist/index.js is not in the tarball',
      'sources or tests are in the tarball',
      'no "repository" in package.json',
      'no "engines" in package.json',
      'no "sideEffects" in package.json',
      'no "license" in package.json',
    ])
  })
})
