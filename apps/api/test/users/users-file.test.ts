// USERS_FILE: the accounts of the api without an identity provider. Read at start (a bad file stops the start),
// re-read when it changes (a bad version keeps the previous accounts and logs one line, never a hash), and a
// disabled, re-passworded or removed account loses its sessions at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '@portcullis/config'
import { describe, expect, it, onTestFinished } from 'vitest'
import { accountChanges } from '../../src/users/file-directory.ts'
import { PasswordHasher } from '../../src/users/passwords.ts'
import { checkUsersFile, writeUsersFile, type UsersFileEntry } from '../../src/users/users-file.ts'
import { buildTestApp, listen, TEST_HASH } from '../helper.ts'

const hasher = new PasswordHasher(TEST_HASH)

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-users-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function entry(
  username: string,
  password: string,
  extra: Partial<UsersFileEntry> = {},
): Promise<UsersFileEntry> {
  return {
    id: `u_${username}`,
    username,
    passwordHash: await hasher.hash(password),
    roles: ['user'],
    ...extra,
  }
}

const rec = (id: string, extra = {}) => ({
  id,
  username: id,
  passwordHash: `h-${id}`,
  initialRoles: [],
  ...extra,
})

const login = (app: Awaited<ReturnType<typeof buildTestApp>>['app'], username: string, password: string) =>
  app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password } })

describe('USERS_FILE', () => {
  it('logs its accounts in; demo users stay off when DEMO_USERS=false', async () => {
    const file = join(tempDir(), 'users.json')
    writeUsersFile(file, [await entry('erin', 'erin-password-1', { roles: ['user', 'admin'] })])
    const { app } = await buildTestApp({ USERS_FILE: file, DEMO_USERS: 'false' })
    const res = await login(app, 'ERIN', 'erin-password-1')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ user: { id: 'u_erin', username: 'erin', roles: ['user', 'admin'] } })
    expect((await login(app, 'alice', 'alice-password')).statusCode).toBe(401)
  })

  it('a change is picked up; disabling or a new password ends the sessions at once; a bad version is ignored with one line', async () => {
    const dir = tempDir()
    const file = join(dir, 'users.json')
    const erin = await entry('erin', 'erin-password-1')
    const finn = await entry('finn', 'finn-password-1')
    writeUsersFile(file, [erin, finn])
    const { app, config, logs } = await buildTestApp({ USERS_FILE: file, DEMO_USERS: 'false' })
    const { events } = await listen(config.REDIS_KEY_PREFIX)
    const erinSession = (await login(app, 'erin', 'erin-password-1')).json<{
      sessionId: string
      refreshToken: string
    }>()
    const finnSession = (await login(app, 'finn', 'finn-password-1')).json<{ sessionId: string }>()

    // A broken version (not JSON, then invalid): the previous accounts stay, one warning each, no hash in the log.
    writeFileSync(file, '{"oops": ')
    await expect
      .poll(
        () =>
          logs.lines().filter((l) => l.msg === 'users file rejected, keeping the previous accounts').length,
      )
      .toBe(1)
    writeFileSync(file, JSON.stringify([{ ...erin, roles: ['root'] }]))
    await expect
      .poll(
        () =>
          logs.lines().filter((l) => l.msg === 'users file rejected, keeping the previous accounts').length,
      )
      .toBe(2)
    expect(
      logs
        .lines()
        .filter((l) => l.msg?.toString().startsWith('users file rejected'))
        .map((l) => l.reason),
    ).toEqual([expect.stringMatching(/not valid JSON/), expect.stringMatching(/^account 0: roles\/0 /)])
    expect(logs.text()).not.toContain(erin.passwordHash)
    const stillErin = await login(app, 'erin', 'erin-password-1')
    expect(stillErin.statusCode).toBe(200)
    const erinSecond = stillErin.json<{ sessionId: string }>().sessionId

    // Disable erin, new password for finn (written as `pnpm users` does: atomically).
    writeUsersFile(file, [
      { ...erin, disabled: true },
      { ...finn, passwordHash: await hasher.hash('finn-password-2') },
    ])
    await expect.poll(async () => await app.store.getSession(erinSession.sessionId)).toBeNull()
    await expect.poll(async () => await app.store.getSession(finnSession.sessionId)).toBeNull()
    const revoked = events.filter((e) => e.type === 'session.revoked') as Array<{
      sid: string
      reason: string
    }>
    expect(revoked.map((e) => [e.sid, e.reason]).toSorted()).toEqual(
      [
        [erinSession.sessionId, 'account_disabled'],
        [erinSecond, 'account_disabled'],
        [finnSession.sessionId, 'password_changed'],
      ].toSorted(),
    )
    expect(logs.lines().find((l) => l.msg === 'users file reloaded')).toMatchObject({
      accounts: 2,
      revoking: 2,
    })
    // A disabled account cannot log in (same answer as a wrong password); the old password is gone.
    const disabled = await login(app, 'erin', 'erin-password-1')
    expect(disabled.statusCode).toBe(401)
    expect(disabled.json()).toMatchObject({ error: 'invalid_credentials' })
    expect(
      logs
        .lines()
        .filter((l) => l.event === 'auth.login.failed')
        .at(-1),
    ).toMatchObject({ reason: 'account_disabled' })
    expect((await login(app, 'finn', 'finn-password-1')).statusCode).toBe(401)
    expect((await login(app, 'finn', 'finn-password-2')).statusCode).toBe(200)
    // Erin's refresh token is refused (the session is gone).
    const refresh = await app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: erinSession.refreshToken },
    })
    expect(refresh.statusCode).toBe(401)
  })

  it('a refresh of an account disabled while no api watched is refused, and ends the session', async () => {
    const file = join(tempDir(), 'users.json')
    const erin = await entry('erin', 'erin-password-1')
    writeUsersFile(file, [erin])
    const { app: before, config } = await buildTestApp({ USERS_FILE: file, DEMO_USERS: 'false' })
    const pair = (await login(before, 'erin', 'erin-password-1')).json<{
      sessionId: string
      refreshToken: string
    }>()
    await before.close()
    writeUsersFile(file, [{ ...erin, disabled: true }])
    const { app } = await buildTestApp({
      USERS_FILE: file,
      DEMO_USERS: 'false',
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
    })
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: pair.refreshToken },
    })
    expect(res.statusCode).toBe(401)
    expect(await app.store.getSession(pair.sessionId)).toBeNull()
  })

  it('a missing or invalid file stops the start with one line naming USERS_FILE (never the content)', async () => {
    const dir = tempDir()
    await expect(buildTestApp({ USERS_FILE: join(dir, 'nope.json') })).rejects.toThrow(
      new ConfigError(
        'USERS_FILE',
        `invalid environment: USERS_FILE (${join(dir, 'nope.json')}) cannot be read (ENOENT)`,
      ),
    )
    const bad = join(dir, 'bad.json')
    const secret = await hasher.hash('x')
    writeFileSync(
      bad,
      JSON.stringify([{ id: 'u_1', username: 'a', passwordHash: secret, roles: ['user'], extra: 1 }]),
    )
    const err = await buildTestApp({ USERS_FILE: bad }).catch((e: unknown) => e as ConfigError)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).message).toMatch(/^invalid environment: USERS_FILE \(.+\) account 0: /)
    expect((err as ConfigError).message).not.toContain(secret)
  })
})

describe('checkUsersFile and accountChanges', () => {
  it('refuses duplicates (usernames without regard to case), provider ids, weak hashes', async () => {
    const a = await entry('erin', 'pw')
    expect(() => checkUsersFile({})).toThrow(/JSON array/)
    expect(() => checkUsersFile([a, { ...a, username: 'other' }])).toThrow(/account 1: duplicate id u_erin/)
    expect(() => checkUsersFile([a, { ...a, id: 'u_2', username: 'ERIN' }])).toThrow(/duplicate username/)
    expect(() => checkUsersFile([{ ...a, id: 'oidc_abc' }])).toThrow(/account 0: id/)
    expect(() => checkUsersFile([{ ...a, passwordHash: '$2b$10$abcdefghijklmnopqrstuv' }])).toThrow(
      /account 0: passwordHash/,
    )
    expect(() => checkUsersFile([{ ...a, username: ' padded' }])).toThrow(/account 0: username/)
    expect(checkUsersFile([a])).toEqual([a])
  })

  it('lists the accounts whose sessions must end', () => {
    expect(
      accountChanges(
        [rec('a'), rec('b'), rec('c'), rec('d', { disabled: true }), rec('e')],
        [
          rec('a'),
          rec('b', { disabled: true }),
          rec('c', { passwordHash: 'new' }),
          rec('d'),
          rec('e', { username: 'E' }),
        ],
      ),
    ).toEqual([
      { userId: 'b', reason: 'account_disabled' },
      { userId: 'c', reason: 'password_changed' },
    ])
    expect(accountChanges([rec('a')], [])).toEqual([{ userId: 'a', reason: 'account_removed' }])
  })
})
