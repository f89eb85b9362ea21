import { EventEmitter } from 'node:events'
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import { memoryDirectory, type UserDirectory, type UserRecord } from './directory.ts'
import { readUsersFile, type UsersFileEntry } from './users-file.ts'

/** Why an account's sessions must end after a reload (the `session.revoked` reason). */
export type AccountChangeReason = 'account_disabled' | 'password_changed' | 'account_removed'

/** An account whose sessions must end. */
export interface AccountChange {
  readonly userId: string
  readonly reason: AccountChangeReason
}

export interface FileDirectoryEvents {
  /** A valid new version of the file was loaded; `changes` lists the accounts whose sessions must end. */
  reloaded: [info: { accounts: number; changes: readonly AccountChange[] }]
  /** The file changed but is not valid (or unreadable): the previous accounts stay. The message holds no hash. */
  rejected: [error: Error]
}

/** Quiet time after the last change event before the file is read, ms: editors and `rename` fire several. */
export const USERS_FILE_DEBOUNCE_MS = 100

const toRecord = (e: UsersFileEntry): UserRecord => ({
  id: e.id,
  username: e.username,
  passwordHash: e.passwordHash,
  initialRoles: e.roles,
  ...(e.disabled ? { disabled: true } : {}),
})

/** What changed between two versions of the file, for the sessions of existing accounts. */
export function accountChanges(before: readonly UserRecord[], after: readonly UserRecord[]): AccountChange[] {
  const next = new Map(after.map((u) => [u.id, u]))
  const changes: AccountChange[] = []
  for (const old of before) {
    const now = next.get(old.id)
    if (!now) changes.push({ userId: old.id, reason: 'account_removed' })
    else if (now.disabled && !old.disabled) changes.push({ userId: old.id, reason: 'account_disabled' })
    else if (now.passwordHash !== old.passwordHash)
      changes.push({ userId: old.id, reason: 'password_changed' })
  }
  return changes
}

/**
 * The accounts of `USERS_FILE`, re-read when the file changes: the directory holding it is watched (so an atomic
 * rename — what `pnpm users` does — and a Kubernetes ConfigMap's symlink swap are seen), events are debounced, and
 * a file that cannot be read or is invalid keeps the previous accounts (`rejected`). A valid new version replaces
 * them at once (`reloaded`, with the accounts whose sessions must end: disabled, password changed, removed).
 * @example
 * const users = FileDirectory.open(config.USERS_FILE) // throws on a bad file at start-up
 * users.on('reloaded', ({ changes }) => revoke(changes)); users.watch()
 */
export class FileDirectory extends EventEmitter<FileDirectoryEvents> implements UserDirectory {
  readonly file: string
  #records: UserRecord[]
  #index: UserDirectory
  #watcher: FSWatcher | null = null
  #timer: NodeJS.Timeout | null = null

  private constructor(file: string, records: UserRecord[]) {
    super()
    this.file = file
    this.#records = records
    this.#index = memoryDirectory(records)
  }

  /**
   * Reads the file once (start-up: a missing or invalid file is an error, not an empty directory).
   * @throws ConfigError | UsersFileError
   */
  static open(file: string): FileDirectory {
    return new FileDirectory(file, readUsersFile(file).map(toRecord))
  }

  get size(): number {
    return this.#records.length
  }

  byUsername(username: string): UserRecord | undefined {
    return this.#index.byUsername(username)
  }

  byId(id: string): UserRecord | undefined {
    return this.#index.byId(id)
  }

  list(page: { after?: string | undefined; limit: number }): UserRecord[] {
    return this.#index.list(page)
  }

  /** Starts watching the file's directory. */
  watch(): this {
    if (this.#watcher) return this
    const name = basename(this.file)
    this.#watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
      // Other files of the directory count too when they may be the one we read through (ConfigMap `..data`).
      if (changed && changed !== name && !changed.startsWith('..')) return
      this.#schedule()
    })
    this.#watcher.on('error', (err) => this.emit('rejected', err))
    return this
  }

  /** Reads the file now; keeps the previous accounts when it is invalid. True when they were replaced. */
  reload(): boolean {
    let records: UserRecord[]
    try {
      records = readUsersFile(this.file).map(toRecord)
    } catch (err) {
      this.emit('rejected', err as Error)
      return false
    }
    if (JSON.stringify(records) === JSON.stringify(this.#records)) return false
    const changes = accountChanges(this.#records, records)
    this.#records = records
    this.#index = memoryDirectory(records)
    this.emit('reloaded', { accounts: records.length, changes })
    return true
  }

  close(): void {
    this.#watcher?.close()
    this.#watcher = null
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.reload()
    }, USERS_FILE_DEBOUNCE_MS)
    this.#timer.unref()
  }
}
