import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ConfigError, readJsonFile } from '@portcullis/config'
import { generatePrivateJwk, KeySetError, keySetFromJwks, type KeySet } from '@portcullis/tokens'
import type { ApiConfig } from '../config.ts'

/** The nearest ancestor of `from` holding pnpm-workspace.yaml (the repo root), or null. */
export function findRepoRoot(from: string): string | null {
  let dir = from
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir
    const parent = dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

/**
 * The key set in a JWK file. Every failure is one `ConfigError` line naming `variable` and the path: unreadable,
 * not JSON, or not a valid key set (`KeySetError`: names at most a `kid`) — never the file's content.
 */
function readKeysFile(variable: string, file: string): KeySet {
  const jwks = readJsonFile(variable, file)
  try {
    return keySetFromJwks(jwks)
  } catch (err) {
    if (!(err instanceof KeySetError)) throw err
    throw new ConfigError(variable, `invalid environment: ${variable} (${file}): ${err.message}`)
  }
}

/**
 * Loads the signing keys once, at start-up (a changed file takes effect when the api restarts: see the key
 * rotation procedure in docs/guides/api.md): from `SIGNING_KEYS_FILE` when set; otherwise (never in production —
 * the config check refuses it) from `<DEV_KEYS_DIR or repo>/.dev-keys/signing-keys.json`, generated once (mode
 * 0600, git-ignored) and reused on later starts so tokens survive restarts.
 */
export function loadKeySet(config: ApiConfig): { keys: KeySet; generated: boolean } {
  if (config.SIGNING_KEYS_FILE)
    return { keys: readKeysFile('SIGNING_KEYS_FILE', config.SIGNING_KEYS_FILE), generated: false }
  if (config.NODE_ENV === 'production')
    throw new ConfigError(
      'SIGNING_KEYS_FILE',
      'invalid environment: SIGNING_KEYS_FILE is required in production',
    )
  const dir = config.DEV_KEYS_DIR ?? join(findRepoRoot(import.meta.dirname) ?? process.cwd(), '.dev-keys')
  const file = join(dir, 'signing-keys.json')
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    try {
      // `wx`: if another instance generated the file meanwhile, use theirs.
      writeFileSync(file, `${JSON.stringify([generatePrivateJwk('ES256')], null, 2)}\n`, {
        mode: 0o600,
        flag: 'wx',
      })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  return { keys: readKeysFile('DEV_KEYS_DIR', file), generated: true }
}
