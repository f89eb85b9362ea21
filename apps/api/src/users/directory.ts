import type { Role } from '@portcullis/protocol'
import type { PasswordHasher } from './passwords.ts'

/** A user account as the api knows it. `initialRoles` seed the session store the first time the user is seen. */
export interface UserRecord {
  id: string
  username: string
  /** argon2id PHC string. */
  passwordHash: string
  initialRoles: Role[]
  /** A disabled account cannot log in; its sessions are revoked when it becomes disabled. */
  disabled?: boolean
}

/**
 * Where password accounts come from: the demo users (outside production) and `USERS_FILE`. Accounts of the
 * identity provider are not here: they are created in the session store at their first exchange.
 * (The current roles always live in the session store.)
 */
export interface UserDirectory {
  /** Lookup by username (case-insensitive). */
  byUsername(username: string): UserRecord | undefined
  byId(id: string): UserRecord | undefined
  /**
   * Up to `limit` accounts in id order, starting after the id `after` (the admin console's user list pages with it).
   * @example directory.list({ limit: 50 }); directory.list({ after: 'u_bob', limit: 50 })
   */
  list(page: { after?: string | undefined; limit: number }): UserRecord[]
}

/** The documented demo users (outside production only). */
export const DEMO_USERS: ReadonlyArray<{ id: string; username: string; password: string; roles: Role[] }> = [
  { id: 'u_alice', username: 'alice', password: 'alice-password', roles: ['user'] },
  { id: 'u_bob', username: 'bob', password: 'bob-password', roles: ['user'] },
  { id: 'u_admin', username: 'admin', password: 'admin-password', roles: ['user', 'admin'] },
]

/** An in-memory directory. */
export function memoryDirectory(users: UserRecord[]): UserDirectory {
  const byName = new Map(users.map((u) => [u.username.toLowerCase(), u]))
  const byId = new Map(users.map((u) => [u.id, u]))
  const ordered = users.toSorted(byIdOrder)
  return {
    byUsername: (name) => byName.get(name.toLowerCase()),
    byId: (id) => byId.get(id),
    list: ({ after, limit }) =>
      ordered.filter((u) => after === undefined || u.id > after).slice(0, Math.max(0, limit)),
  }
}

/**
 * Several directories as one: the first that knows a name or id answers; `list` merges them in id order (an id in
 * several directories is listed once, from the first).
 */
export function combinedDirectory(directories: readonly UserDirectory[]): UserDirectory {
  if (directories.length === 1) return directories[0]!
  return {
    byUsername: (name) => directories.map((d) => d.byUsername(name)).find(Boolean),
    byId: (id) => directories.map((d) => d.byId(id)).find(Boolean),
    list: ({ after, limit }) => {
      const seen = new Map<string, UserRecord>()
      for (const d of directories)
        for (const u of d.list({ after, limit })) if (!seen.has(u.id)) seen.set(u.id, u)
      return [...seen.values()].toSorted(byIdOrder).slice(0, Math.max(0, limit))
    },
  }
}

const byIdOrder = (a: UserRecord, b: UserRecord): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** The demo directory (passwords hashed at start), or an empty one when `enabled` is false. */
export async function demoDirectory(hasher: PasswordHasher, enabled: boolean): Promise<UserDirectory> {
  if (!enabled) return memoryDirectory([])
  const users = await Promise.all(
    DEMO_USERS.map(async (u) => ({
      id: u.id,
      username: u.username,
      passwordHash: await hasher.hash(u.password),
      initialRoles: u.roles,
    })),
  )
  return memoryDirectory(users)
}
