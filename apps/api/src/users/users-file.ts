import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { readJsonFile } from '@portcullis/config'
import { RoleSchema, USER_ID_PATTERN } from '@portcullis/protocol'
import { Type, type Static } from 'typebox'
import { Compile } from 'typebox/compile'

/** Ids of accounts created by the identity-provider exchange start with this; a users file may not use it. */
export const PROVIDER_ACCOUNT_PREFIX = 'oidc_'

/** One account of `USERS_FILE`. */
export const UsersFileEntrySchema = Type.Object(
  {
    id: Type.String({
      pattern: `^(?!${PROVIDER_ACCOUNT_PREFIX})${USER_ID_PATTERN}$`,
      description: `The user id (\`sub\` of its tokens, the \`user:<id>\` inbox): [A-Za-z0-9_-]{1,64}, not starting with \`${PROVIDER_ACCOUNT_PREFIX}\`.`,
    }),
    username: Type.String({
      minLength: 1,
      // The protocol's bound on `welcome.user.username` and a message's `from`.
      maxLength: 64,
      pattern: '^[^\\p{Cc}\\s]([^\\p{Cc}]*[^\\p{Cc}\\s])?$',
      description:
        'Login name (1–64 characters, no control characters, no outer spaces); unique without regard to case.',
    }),
    passwordHash: Type.String({
      pattern: '^\\$argon2id\\$v=19\\$m=\\d+,t=\\d+,p=\\d+\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+$',
      maxLength: 512,
      description: 'argon2id PHC string (`pnpm users add|passwd` writes it).',
    }),
    roles: Type.Array(RoleSchema, {
      maxItems: 8,
      uniqueItems: true,
      description: 'Roles given to the session store at the first login; the store governs afterwards.',
    }),
    disabled: Type.Optional(
      Type.Boolean({ description: 'A disabled account cannot log in and has no sessions.' }),
    ),
  },
  { additionalProperties: false },
)

/** An account of the users file. */
export type UsersFileEntry = Static<typeof UsersFileEntrySchema>

const entryChecker = Compile(UsersFileEntrySchema)

/** The file is not a valid users file. The message names the entry and field, never a hash. */
export class UsersFileError extends Error {
  readonly code = 'API_ERR_USERS_FILE'
  constructor(message: string) {
    super(message)
    this.name = 'UsersFileError'
  }
}

/** Largest number of accounts a users file may hold (beyond it, use an identity provider). */
export const MAX_FILE_ACCOUNTS = 100_000

/**
 * Checks a parsed users file: an array of valid entries, ids and usernames (case-insensitively) unique.
 * @throws UsersFileError naming the first problem (entry index and field; never a value of `passwordHash`)
 */
export function checkUsersFile(doc: unknown): UsersFileEntry[] {
  if (!Array.isArray(doc)) throw new UsersFileError('must be a JSON array of accounts')
  if (doc.length > MAX_FILE_ACCOUNTS)
    throw new UsersFileError(`holds more than ${MAX_FILE_ACCOUNTS} accounts`)
  const ids = new Set<string>()
  const names = new Set<string>()
  doc.forEach((entry: unknown, i) => {
    if (!entryChecker.Check(entry)) {
      const [first] = entryChecker.Errors(entry)
      const field = first?.instancePath.replace(/^\//, '') || 'the entry'
      // The schema's own message would quote the hash pattern; say what is wanted instead.
      const problem =
        field === 'passwordHash' ? 'is not an argon2id PHC string' : (first?.message ?? 'is invalid')
      throw new UsersFileError(`account ${i}: ${field} ${problem}`)
    }
    if (ids.has(entry.id)) throw new UsersFileError(`account ${i}: duplicate id ${entry.id}`)
    const name = entry.username.toLowerCase()
    if (names.has(name)) throw new UsersFileError(`account ${i}: duplicate username ${entry.username}`)
    ids.add(entry.id)
    names.add(name)
  })
  return doc as UsersFileEntry[]
}

/**
 * Reads and checks `USERS_FILE`.
 * @throws ConfigError (unreadable, not JSON: never any content) or UsersFileError
 */
export function readUsersFile(file: string): UsersFileEntry[] {
  return checkUsersFile(readJsonFile('USERS_FILE', file))
}

/**
 * Writes the accounts atomically: a temporary file in the same directory (mode 0600), flushed to disk, renamed
 * over `file`. A reader (the api's watcher) sees the old file or the new one, never half of one.
 */
export function writeUsersFile(file: string, entries: readonly UsersFileEntry[]): void {
  checkUsersFile(entries)
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  const fd = openSync(tmp, 'wx', 0o600)
  try {
    writeSync(fd, `${JSON.stringify(entries, null, 2)}\n`)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw err
  }
  closeSync(fd)
  renameSync(tmp, file)
}
