import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { apiEvent } from '../../security-events.ts'
import type { AccountChange, FileDirectory } from '../../users/file-directory.ts'

/** Options of the accounts plugin. */
export interface AccountsOptions {
  /** The USERS_FILE directory (null without one): watched while the app runs. */
  usersFile: FileDirectory | null
}

/**
 * Keeps the sessions in step with `USERS_FILE`: the file is watched, and when a valid new version disables an
 * account, changes its password or removes it, every session of that account is revoked (`session.revoked`
 * events: realtime closes the sockets with 4401 `session_revoked`). A bad file keeps the previous accounts and
 * logs one line (never a hash). Every api instance revokes on its own; a second revocation finds nothing left.
 */
async function accountsPlugin(app: FastifyInstance, opts: AccountsOptions): Promise<void> {
  const { usersFile } = opts
  if (!usersFile) return

  async function revoke({ userId, reason }: AccountChange): Promise<void> {
    const sids = await app.store.revokeUserSessions(userId, reason)
    for (const sessionId of sids) apiEvent(app.log, 'session.revoked', { reason, userId, sessionId })
  }

  usersFile.on('reloaded', ({ accounts, changes }) => {
    app.log.info({ file: usersFile.file, accounts, revoking: changes.length }, 'users file reloaded')
    for (const change of changes)
      revoke(change).catch((err: unknown) =>
        app.log.error(
          { err: { message: (err as Error).message }, userId: change.userId, reason: change.reason },
          'could not revoke the sessions of a changed account (the store is unreachable); its refreshes are refused',
        ),
      )
  })
  usersFile.on('rejected', (err) =>
    app.log.warn(
      { file: usersFile.file, reason: err.message },
      'users file rejected, keeping the previous accounts',
    ),
  )
  usersFile.watch()
  app.addHook('onClose', async () => usersFile.close())
}

export default fp(accountsPlugin, { name: 'accounts', dependencies: ['store', 'services'] })
