import { ConfigError } from '@portcullis/config'
import { FileDirectory } from './file-directory.ts'
import { UsersFileError } from './users-file.ts'

/**
 * The USERS_FILE directory at start-up. A file that cannot be read or is invalid stops the start with one line
 * naming USERS_FILE (a typo in the path must not start an api nobody can log in to); later changes that are
 * invalid only keep the previous accounts.
 * @throws ConfigError
 */
export function openUsersFile(file: string): FileDirectory {
  try {
    return FileDirectory.open(file)
  } catch (err) {
    if (err instanceof UsersFileError)
      throw new ConfigError('USERS_FILE', `invalid environment: USERS_FILE (${file}) ${err.message}`)
    throw err
  }
}
