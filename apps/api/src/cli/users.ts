// `pnpm users add|passwd|disable|enable|list`: manages USERS_FILE, the api's accounts without an identity provider.
//
//   pnpm users add alice [--role admin] [--id u_alice]   # password from the terminal (no echo) or stdin
//   pnpm users passwd alice                              # new password; the api ends alice's sessions
//   pnpm users disable alice                             # the api ends alice's sessions; she cannot log in
//   pnpm users enable alice
//   pnpm users list
//
// The file is `--file <path>` or $USERS_FILE. It is rewritten atomically (temporary file + rename, mode 0600); a
// running api notices and re-reads it. Passwords are never taken from the command line (shell history, `ps`).
// Exit codes: 0 done, 1 refused (unknown user, weak password, bad file), 2 usage.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ConfigError } from '@portcullis/config'
import type { Role } from '@portcullis/protocol'
import { DEFAULT_HASH_OPTIONS, PasswordHasher } from '../users/passwords.ts'
import { readUsersFile, UsersFileError, writeUsersFile, type UsersFileEntry } from '../users/users-file.ts'
import { readPassword } from './read-password.ts'

/** Shortest password accepted, characters (NIST SP 800-63B asks for at least 8; a single factor deserves more). */
export const MIN_PASSWORD_LENGTH = 12
/** Longest password accepted, characters (the login route's bound). */
const MAX_PASSWORD_LENGTH = 1024

const USAGE = `usage: pnpm users <add|passwd|disable|enable|list> [username] [--file <users.json>] [--role admin] [--id <id>]
  add <username>      new account (role user, plus --role admin); password from the terminal or stdin
  passwd <username>   new password (its sessions end)
  disable <username>  no more logins (its sessions end); enable undoes it
  list                the accounts (never the hashes)
The file is --file or $USERS_FILE.`

class Refusal extends Error {}

function usage(message?: string): never {
  if (message) console.error(`users: ${message}`)
  console.error(USAGE)
  process.exit(2)
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      args: process.argv.slice(2).filter((a) => a !== '--'),
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        role: { type: 'string', multiple: true },
        id: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (err) {
    return usage((err as Error).message)
  }
})()
if (values.help) usage()
const [command, username, ...extra] = positionals
const file = values.file ?? process.env.USERS_FILE
if (!command) usage()
if (!file) usage('no file: pass --file <path> or set USERS_FILE')
if (extra.length > 0) usage(`unexpected argument ${extra[0]}`)

function load(create: boolean): UsersFileEntry[] {
  if (create && !existsSync(file!)) return []
  return readUsersFile(file!)
}

function find(entries: UsersFileEntry[], name: string | undefined): UsersFileEntry {
  if (!name) usage(`${command} needs a username`)
  const entry = entries.find((e) => e.username.toLowerCase() === name.toLowerCase())
  if (!entry) throw new Refusal(`no account ${name} in ${file}`)
  return entry
}

async function newPasswordHash(): Promise<string> {
  const password = await readPassword({ confirm: process.stdin.isTTY === true })
  if ([...password].length < MIN_PASSWORD_LENGTH)
    throw new Refusal(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`)
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new Refusal(`the password must have at most ${MAX_PASSWORD_LENGTH} characters`)
  return await new PasswordHasher(DEFAULT_HASH_OPTIONS).hash(password)
}

function roles(): Role[] {
  const extraRoles = values.role ?? []
  for (const r of extraRoles)
    if (r !== 'admin' && r !== 'user') throw new Refusal(`unknown role ${r} (user, admin)`)
  return extraRoles.includes('admin') ? ['user', 'admin'] : ['user']
}

async function run(): Promise<string> {
  switch (command) {
    case 'add': {
      if (!username) usage('add needs a username')
      const entries = load(true)
      if (entries.some((e) => e.username.toLowerCase() === username.toLowerCase()))
        throw new Refusal(`${username} already exists in ${file}`)
      const id = values.id ?? `u_${randomBytes(12).toString('base64url')}`
      if (entries.some((e) => e.id === id)) throw new Refusal(`the id ${id} is taken`)
      const entry: UsersFileEntry = { id, username, passwordHash: await newPasswordHash(), roles: roles() }
      writeUsersFile(file!, [...entries, entry])
      return `added ${username} (id ${id}, roles ${entry.roles.join(', ')}) to ${file}`
    }
    case 'passwd': {
      const entries = load(false)
      const entry = find(entries, username)
      const passwordHash = await newPasswordHash()
      writeUsersFile(
        file!,
        entries.map((e) => (e === entry ? { ...e, passwordHash } : e)),
      )
      return `changed the password of ${entry.username}; a running api ends its sessions`
    }
    case 'disable':
    case 'enable': {
      const entries = load(false)
      const entry = find(entries, username)
      const next = entries.map((e) => {
        if (e !== entry) return e
        const { disabled: _, ...rest } = e
        return command === 'disable' ? { ...rest, disabled: true } : rest
      })
      writeUsersFile(file!, next)
      return command === 'disable'
        ? `disabled ${entry.username}; a running api ends its sessions`
        : `enabled ${entry.username}`
    }
    case 'list': {
      const entries = load(false)
      const rows = entries.map((e) => [
        e.id,
        e.username,
        e.roles.join(','),
        e.disabled ? 'disabled' : 'active',
      ])
      const head = ['id', 'username', 'roles', 'status']
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
      const line = (r: string[]) =>
        r
          .map((v, i) => v.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()
      return [line(head), ...rows.map(line), `${entries.length} account(s) in ${file}`].join('\n')
    }
    default:
      return usage(`unknown command ${command}`)
  }
}

try {
  process.stdout.write(`${await run()}\n`)
} catch (err) {
  if (err instanceof Refusal || err instanceof ConfigError || err instanceof UsersFileError) {
    console.error(`users: ${err.message}`)
    process.exit(1)
  }
  throw err
}
