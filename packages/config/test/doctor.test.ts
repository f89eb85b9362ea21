// `pnpm run doctor` (scripts/doctor.ts): the production checks as a table, from the same environment the apps read.
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))

interface Row {
  app: string
  id: string
  variable: string
  status: string
  detail: string
}

function doctor(env: Record<string, string>, ...args: string[]): { code: number | null; stdout: string } {
  const run = spawnSync(process.execPath, ['--conditions=source', `${root}scripts/doctor.ts`, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  })
  return { code: run.status, stdout: run.stdout }
}

const safe = {
  TLS_TERMINATED_BY_PROXY: 'true',
  TRUSTED_PROXIES: '10.0.0.7',
  ALLOWED_ORIGINS: 'https://chat.example',
  REDIS_URL: 'rediss://portcullis:doctor-secret@redis.internal:6380',
  JWKS_URL: 'https://chat.example/.well-known/jwks.json',
}

describe('doctor', () => {
  it('prints a table of every failing check and exits 1 on a development environment', () => {
    const { code, stdout } = doctor({ NODE_ENV: 'development', ALLOWED_ORIGINS: '*' })
    expect(code).toBe(1)
    expect(stdout).toMatch(/^app\s+check\s+variable\s+result\s+detail$/m)
    expect(stdout).toMatch(/^api\s+signing-keys\s+SIGNING_KEYS_FILE\s+FAIL\s+/m)
    expect(stdout).toMatch(
      /^realtime\s+origins\s+ALLOWED_ORIGINS\s+FAIL\s+ALLOWED_ORIGINS must not contain wildcards/m,
    )
    expect(stdout).toMatch(/^realtime\s+tls\s+TLS_CERT_FILE\s+FAIL\s+plaintext/m)
    expect(stdout).toMatch(/\d+ passed, \d+ warnings, \d+ failed\n$/)
  })

  it('passes a production-ready environment, checking the key file it names, without echoing secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-doctor-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const jwk = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) }
    const keysFile = join(dir, 'signing-keys.json')
    writeFileSync(keysFile, JSON.stringify([{ ...jwk, kid: 'k1', alg: 'ES256' }]))

    const usersFile = join(dir, 'users.json')
    const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA'
    writeFileSync(
      usersFile,
      JSON.stringify([
        { id: 'u_1', username: 'alice', passwordHash: hash, roles: ['user', 'admin'] },
        { id: 'u_2', username: 'bob', passwordHash: hash, roles: ['user'], disabled: true },
      ]),
    )

    const { code, stdout } = doctor({ ...safe, SIGNING_KEYS_FILE: keysFile, USERS_FILE: usersFile }, '--json')
    const { rows, failed } = JSON.parse(stdout) as { rows: Row[]; failed: number }
    expect(rows.filter((r) => r.status !== 'pass')).toEqual([])
    // Which account sources are active, and what the users file holds (never a hash).
    expect(rows.find((r) => r.id === 'account-source')?.detail).toBe(`accounts from USERS_FILE ${usersFile}`)
    expect(rows.find((r) => r.id === 'users-file')?.detail).toBe('2 account(s), 1 disabled')
    expect(stdout).not.toContain('$argon2id$')
    expect(failed).toBe(0)
    expect(code).toBe(0)
    expect(rows.map((r) => `${r.app}:${r.id}`)).toEqual(
      expect.arrayContaining([
        'api:signing-keys-file',
        'api:redis-auth',
        'realtime:message-cap',
        'realtime:tls',
      ]),
    )
    expect(stdout).not.toContain('doctor-secret')
  })

  it('flags an api without an account source, and an invalid users file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-doctor-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const none = JSON.parse(doctor(safe, '--app', 'api', '--json').stdout) as { rows: Row[] }
    expect(none.rows.find((r) => r.id === 'account-source')).toMatchObject({ status: 'fail' })
    const usersFile = join(dir, 'users.json')
    writeFileSync(usersFile, JSON.stringify([{ id: 'u_1', username: 'a', passwordHash: 'plain', roles: [] }]))
    const bad = JSON.parse(doctor({ ...safe, USERS_FILE: usersFile }, '--app', 'api', '--json').stdout) as {
      rows: Row[]
    }
    expect(bad.rows.find((r) => r.id === 'users-file')).toMatchObject({
      status: 'fail',
      detail: 'account 0: passwordHash is not an argon2id PHC string',
    })
  })

  it('flags a key file that is not a JWK array, for one app only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-doctor-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const keysFile = join(dir, 'keys.json')
    writeFileSync(keysFile, JSON.stringify({ kid: 'not-an-array' }))
    const { code, stdout } = doctor({ ...safe, SIGNING_KEYS_FILE: keysFile }, '--app', 'api', '--json')
    const { rows } = JSON.parse(stdout) as { rows: Row[] }
    expect(code).toBe(1)
    expect(new Set(rows.map((r) => r.app))).toEqual(new Set(['api']))
    expect(rows.find((r) => r.id === 'signing-keys-file')).toMatchObject({ status: 'fail' })
  })

  it('lists plaintext Redis or JWKS off loopback and trust-everything proxies as failures', () => {
    const { code, stdout } = doctor(
      {
        ...safe,
        REDIS_URL: 'redis://portcullis:doctor-secret@redis.internal:6379',
        JWKS_URL: 'http://api.internal:3001/.well-known/jwks.json',
        TRUSTED_PROXIES: '10.0.0.7,::/64',
      },
      '--json',
    )
    const { rows } = JSON.parse(stdout) as { rows: Row[] }
    const failed = rows.filter((r) => r.status === 'fail').map((r) => `${r.app}:${r.id}`)
    expect(failed).toEqual(
      expect.arrayContaining([
        'api:redis-auth',
        'realtime:redis-auth',
        'realtime:jwks-url',
        'api:trusted-proxies',
        'realtime:trusted-proxies',
      ]),
    )
    expect(code).toBe(1)
    expect(stdout).not.toContain('doctor-secret')
  })

  it('checks the Redis Cluster seeds instead of REDIS_URL when REDIS_CLUSTER_NODES is set', () => {
    const { code, stdout } = doctor(
      {
        ...safe,
        REDIS_CLUSTER_NODES:
          'rediss://portcullis:doctor-secret@redis-0:6379,redis://portcullis:doctor-secret@redis-1:6379',
      },
      '--json',
    )
    const { rows } = JSON.parse(stdout) as { rows: Row[] }
    expect(rows.filter((r) => r.id === 'redis-auth').map((r) => [r.app, r.variable, r.status])).toEqual([
      ['api', 'REDIS_CLUSTER_NODES', 'fail'],
      ['realtime', 'REDIS_CLUSTER_NODES', 'fail'],
    ])
    expect(code).toBe(1)
    expect(stdout).not.toContain('doctor-secret')
  })

  it('fails a malformed key file without echoing any of its content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-doctor-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const keysFile = join(dir, 'keys.json')
    writeFileSync(keysFile, '[{"kty":"EC","kid":"k1","d":PRIVATE-d-7c1e9,"x":"a"}]')
    const { code, stdout } = doctor({ ...safe, SIGNING_KEYS_FILE: keysFile }, '--app', 'api')
    expect(code).toBe(1)
    expect(stdout).toMatch(/signing-keys-file\s+SIGNING_KEYS_FILE\s+FAIL\s+.*is not valid JSON/)
    expect(stdout).not.toContain('PRIVATE')
    expect(stdout).not.toContain('7c1e9')
  })
})
