// The suite against real deployments (processes started like `pnpm dev`, and the HAProxy + TLS scale-out):
// it must hold where the controls hold, and fail — naming the broken control — where a setting breaks one.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import {
  main,
  PASSWORD_ENV,
  REPORT_FORMATS,
  renderReport,
  SecretRegistry,
  type Report,
} from '../src/index.ts'
import { startPlainStack, startProxyStack, type Stack } from './support/stack.ts'

const pkg = fileURLToPath(new URL('..', import.meta.url))
const stacks: Record<'good' | 'raised' | 'wide' | 'proxy', Stack | undefined> = {
  good: undefined,
  raised: undefined,
  wide: undefined,
  proxy: undefined,
}
let dir = ''

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conformance-reports-'))
  const redisUrl = inject('redisUrl')
  const started = await Promise.allSettled([
    startPlainStack(redisUrl, { label: 'good' }),
    startPlainStack(redisUrl, {
      label: 'raised',
      realtime: { MSG_RATE_PER_S: '100000', MSG_BURST: '100000' },
    }),
    startPlainStack(redisUrl, {
      label: 'wide',
      // `*` starts only under NODE_ENV=development (the one Origin policy, decision 0826): a dev realtime.
      realtime: { NODE_ENV: 'development', ALLOWED_ORIGINS: '*', ALLOW_QUERY_TOKEN: 'true' },
    }),
    startProxyStack(),
  ])
  const names = ['good', 'raised', 'wide', 'proxy'] as const
  started.forEach((s, i) => s.status === 'fulfilled' && (stacks[names[i]!] = s.value))
  const failed = started.find((s) => s.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
})

afterAll(async () => {
  await Promise.all(Object.values(stacks).map((s) => s?.stop()))
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function args(stack: Stack | undefined): string[] {
  if (!stack) throw new Error('stack did not start')
  return [
    '--api', stack.api,
    ...stack.ws.flatMap((w) => ['--ws', w]),
    '--origin', stack.origin,
    '--user', 'alice',
    '--admin-user', 'admin',
    ...(stack.caFile ? ['--ca', stack.caFile] : []),
  ] // prettier-ignore
}

const ENV = { [PASSWORD_ENV]: 'alice-password', PORTCULLIS_CONFORMANCE_ADMIN_PASSWORD: 'admin-password' }

function capture(secrets?: SecretRegistry) {
  const io = { out: '', err: '' }
  return {
    io,
    cli: {
      stdout: { write: (t: string) => (io.out += t) },
      stderr: { write: (t: string) => (io.err += t) },
      env: ENV,
      ...(secrets ? { secrets } : {}),
    },
  }
}

const failures = (r: Report) => r.cases.filter((c) => c.verdict === 'fail').map((c) => `${c.id}: ${c.reason}`)
const ids = (r: Report, verdict: string) => r.cases.filter((c) => c.verdict === verdict).map((c) => c.id)

describe('portcullis-conformance against real stacks', () => {
  test('holds against a stack started like `pnpm dev`, with a report in which no credential appears in any format', async () => {
    const secrets = new SecretRegistry()
    const { io, cli } = capture(secrets)
    const out = join(dir, 'good.json')
    const argv = [
      ...args(stacks.good),
      '--profile',
      'development',
      '--max-wait-s',
      '30',
      '--report',
      'json',
      '--out',
      out,
    ]
    const code = await main(argv, cli)
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report
    expect(failures(report), `${io.err}\n${stacks.good!.logs()}`).toEqual([])
    expect(code).toBe(0)
    // Only what a plaintext development stack cannot show is skipped; every waiting case ran.
    expect(ids(report, 'skip')).toEqual([
      'transport.tls-required',
      'transport.tls-versions',
      'transport.hsts',
      'transport.no-plaintext',
      'credentials.query-token',
    ])
    expect(report.blocks.map((b) => b.caseId)).toEqual(
      expect.arrayContaining(['limits.connect-flood', 'limits.auth-failure-block']),
    )

    // The run handled every kind of credential…
    const handled = secrets.values()
    expect(handled).toContain('alice-password')
    expect(handled.some((s) => /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(s))).toBe(true) // access tokens
    expect(handled.some((s) => /^[\w-]{16,64}\.[\w-]{43}$/.test(s))).toBe(true) // refresh tokens
    expect(handled.some((s) => /^[\w-]{43}$/.test(s))).toBe(true) // tickets
    // …and none of them, nor anything shaped like a JWT, is in any output or report format.
    const outputs = [
      io.out,
      io.err,
      readFileSync(out, 'utf8'),
      ...REPORT_FORMATS.map((f) => renderReport(report, f, new SecretRegistry())),
    ]
    for (const text of outputs) {
      for (const secret of handled) expect(text.includes(secret), `a credential in the output`).toBe(false)
      expect(text).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/)
    }
  })

  test('fails naming limits.message-flood when MSG_RATE_PER_S and MSG_BURST are raised to 100000 (the CLI as a process)', async () => {
    const only = 'limits.message-flood,limits.per-user-cap,messages.malformed-json,messages.binary'
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        'src/bin.ts',
        ...args(stacks.raised),
        '--profile',
        'development',
        '--only',
        only,
        '--report',
        'junit',
      ],
      { cwd: pkg, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code, stderr).toBe(1)
    const failed = [...stdout.matchAll(/name="([a-z.-]+):[^"]*"[^>]*>\s*<failure message="([^"]*)"/g)].map(
      (m) => [m[1], m[2]],
    )
    expect(failed.map(([id]) => id)).toEqual(['limits.message-flood'])
    expect(failed[0]![1]).toMatch(/no rate_limited error.*msgBurst 100000/)
    expect(stderr).toMatch(/^FAIL {2}limits\.message-flood/m)
    expect(stdout).not.toContain('alice-password')
  })

  test('fails naming the Origin and query-token controls when realtime allows every origin and ?access_token= in production', async () => {
    const { io, cli } = capture()
    const only = 'origin,credentials.query-token,credentials.accepted'
    const code = await main(
      [...args(stacks.wide), '--profile', 'production', '--only', only, '--report', 'json'],
      cli,
    )
    const report = JSON.parse(io.out) as Report
    expect(code).toBe(1)
    expect(ids(report, 'fail')).toEqual([
      'origin.foreign',
      'origin.look-alike',
      'origin.refused-keeps-ticket',
      'credentials.query-token',
    ])
    // The api's own Origin checks still hold, and so does authentication itself.
    expect(ids(report, 'pass')).toEqual(['origin.api-cors', 'credentials.accepted'])
    expect(report.cases.find((c) => c.id === 'origin.foreign')!.reason).toMatch(/expected 403.*got 101/)
  })

  test('holds behind HAProxy with TLS and two instances (two --ws URLs, production profile)', async () => {
    const { io, cli } = capture()
    const out = join(dir, 'proxy.md')
    const code = await main([...args(stacks.proxy), '--max-wait-s', '7', '--report', 'md', '--out', out], cli)
    const md = readFileSync(out, 'utf8')
    expect(io.err, stacks.proxy!.logs()).not.toMatch(/^FAIL/m)
    expect(code).toBe(0)
    // TLS was checked, not skipped; only the waits longer than 7 s were.
    for (const id of [
      'transport.tls-required',
      'transport.tls-versions',
      'transport.hsts',
      'transport.no-plaintext',
      'credentials.query-token',
    ])
      expect(md).toContain(`| ✅ pass | \`${id}\``)
    // Cases that wait run side by side, so their lines come in the order they finish.
    expect(io.err.match(/^SKIP {2}\S+/gm)?.toSorted()).toEqual([
      'SKIP  credentials.expired-token',
      'SKIP  lifetime.expiry',
      'SKIP  lifetime.expiry-refresh',
    ])
    // Logout closed a socket through each --ws URL.
    expect(md).toMatch(/socket via --ws #2: close 4401 session_revoked/)
  })
})
