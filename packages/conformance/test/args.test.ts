import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { ADMIN_PASSWORD_ENV, main, parseCommand, PASSWORD_ENV, UsageError, USAGE } from '../src/index.ts'

const BASE = [
  '--api',
  'http://127.0.0.1:3001',
  '--ws',
  'ws://127.0.0.1:3002',
  '--origin',
  'http://localhost:5173',
  '--user',
  'alice',
]

function run(argv: string[], env: Record<string, string> = {}) {
  const command = parseCommand(argv, env)
  if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}`)
  return command
}

function usageError(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseCommand(argv, env)
  } catch (err) {
    if (err instanceof UsageError) return err.message
    throw err
  }
  throw new Error('no usage error')
}

describe('parseCommand', () => {
  test('every flag lands in the options, with the documented defaults', () => {
    const { options, format, out, dryRun } = run([
      ...BASE,
      '--password', 'pw-123456',
      '--ws', 'wss://rt2.example.test/v1/ws',
      '--admin-user', 'admin',
      '--admin-password', 'admin-pw',
      '--only', 'origin,limits.message-flood',
      '--only', 'lifetime.*',
      '--report', 'junit',
      '--out', 'report.xml',
      '--profile', 'development',
      '--max-wait-s', '20',
      '--source', '127.0.0.2, 127.0.0.3',
      '--auth-failures-per-min', '5',
    ]) // prettier-ignore
    expect(options).toEqual({
      api: 'http://127.0.0.1:3001',
      ws: ['ws://127.0.0.1:3002', 'wss://rt2.example.test/v1/ws'],
      origin: 'http://localhost:5173',
      user: { username: 'alice', password: 'pw-123456' },
      admin: { username: 'admin', password: 'admin-pw' },
      only: ['origin', 'limits.message-flood', 'lifetime.*'],
      profile: 'development',
      maxWaitS: 20,
      source: ['127.0.0.2', '127.0.0.3'],
      assumedLimits: { authFailuresPerMin: 5 },
    })
    expect([format, out, dryRun]).toEqual(['junit', 'report.xml', false])
    const defaults = run([...BASE, '--password', 'pw-123456'])
    expect([defaults.format, defaults.options.profile, defaults.options.source]).toEqual([
      'text',
      'production',
      'auto',
    ])
  })

  test('passwords come from the environment when the flags are absent (kept out of ps and shell history)', () => {
    const { options } = run(BASE, { [PASSWORD_ENV]: 'from-env', [ADMIN_PASSWORD_ENV]: 'admin-env' })
    expect(options.user.password).toBe('from-env')
    expect(
      run([...BASE, '--admin-user', 'admin'], {
        [PASSWORD_ENV]: 'x-123456',
        [ADMIN_PASSWORD_ENV]: 'admin-env',
      }).options.admin,
    ).toEqual({
      username: 'admin',
      password: 'admin-env',
    })
  })

  test.each([
    [BASE.slice(0, 4), /missing --origin, --user, --password/],
    [[...BASE, '--password', 'p', '--report', 'xml'], /--report must be one of text, json, junit, md/],
    [[...BASE, '--password', 'p', '--profile', 'staging'], /--profile must be production or development/],
    [[...BASE, '--password', 'p', '--max-wait-s', '1.5'], /--max-wait-s must be a positive integer/],
    [[...BASE, '--password', 'p', '--admin-user', 'admin'], /--admin-user and --admin-password/],
    [[...BASE, '--password', 'p', '--admin-password', 'x'], /--admin-user and --admin-password/],
    [
      ['--api', 'ftp://x', '--ws', 'ws://x', '--origin', 'http://o', '--user', 'u', '--password', 'p'],
      /--api must be http: or https:/,
    ],
    [
      ['--api', 'http://x', '--ws', 'http://x', '--origin', 'http://o', '--user', 'u', '--password', 'p'],
      /--ws must be ws: or wss:/,
    ],
    [
      ['--api', 'http://x', '--ws', 'ws://x', '--origin', 'http://o/path', '--user', 'u', '--password', 'p'],
      /--origin must be an origin/,
    ],
    [
      ['--api', 'http://u:p@x', '--ws', 'ws://x', '--origin', 'http://o', '--user', 'u', '--password', 'p'],
      /--api must not carry credentials/,
    ],
    [[...BASE, '--password', 'p', '--ws', 'ws://b', '--ws', 'ws://c'], /--ws must be given once or twice/],
    [[...BASE, '--password', 'p', '--ca', '/nonexistent/ca.pem'], /--ca \/nonexistent\/ca.pem: ENOENT/],
    [[...BASE, '--password', 'p', '--frobnicate'], /Unknown option '--frobnicate'/],
  ])('%j is a usage error naming the problem', (argv, message) => {
    expect(usageError(argv)).toMatch(message)
  })

  test('--dry-run needs no target and no credentials; --help and --version', () => {
    const dry = run(['--dry-run'])
    expect([dry.dryRun, dry.options.api, dry.options.ws, dry.options.origin]).toEqual([true, '', [], ''])
    expect(usageError(['--dry-run', '--ws', 'http://x'])).toMatch(/--ws must be ws: or wss:/)
    expect(parseCommand(['--help'], {})).toEqual({ kind: 'help' })
    expect(parseCommand(['--version'], {})).toEqual({ kind: 'version' })
  })

  test('--ca reads the file; a "--" from pnpm is ignored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conformance-ca-'))
    const file = join(dir, 'ca.pem')
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\n')
    expect(run(['--', ...BASE, '--password', 'pw-123456', '--ca', file]).options.ca).toBe(
      '-----BEGIN CERTIFICATE-----\n',
    )
    rmSync(dir, { recursive: true })
  })

  test('the root `pnpm conformance` script targets the `pnpm dev` stack as documented', () => {
    const root = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8'),
    ) as {
      scripts: Record<string, string>
    }
    const script = root.scripts.conformance!
    expect(script).toMatch(/^node --conditions=source packages\/conformance\/src\/bin\.ts /)
    const { options } = run(script.split(/\s+/).slice(3))
    expect(options).toMatchObject({
      api: 'http://localhost:3001',
      ws: ['ws://localhost:3002/v1/ws'],
      origin: 'http://localhost:5173',
      user: { username: 'alice', password: 'alice-password' },
      admin: { username: 'admin', password: 'admin-password' },
      profile: 'development',
    })
  })
})

function io() {
  const out = { stdout: '', stderr: '' }
  return {
    out,
    cli: {
      stdout: { write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t) },
      env: {},
    },
  }
}

describe('main', () => {
  test('a usage error exits 2 with one line on stderr', async () => {
    const { out, cli } = io()
    expect(await main(['--report', 'xml'], cli)).toBe(2)
    expect(out.stderr).toBe(
      'portcullis-conformance: --report must be one of text, json, junit, md (see --help)\n',
    )
    expect(out.stdout).toBe('')
  })

  test('an --only that matches nothing exits 2 instead of an empty green run', async () => {
    const { out, cli } = io()
    expect(await main(['--dry-run', '--only', 'origin.nope'], cli)).toBe(2)
    expect(out.stderr).toMatch(/--only origin.nope matches no case/)
  })

  test('--help prints the usage; --version the package version', async () => {
    const help = io()
    expect(await main(['--help'], help.cli)).toBe(0)
    expect(help.out.stdout).toBe(`${USAGE}\n`)
    const version = io()
    expect(await main(['--version'], version.cli)).toBe(0)
    const pkg = JSON.parse(
      readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'),
    ) as { version: string }
    expect(version.out.stdout).toBe(`${pkg.version}\n`)
  })
})
