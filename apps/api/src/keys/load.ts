import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { readJsonFile } from '@portcullis/config'
import type { ApiConfig } from '../config.ts'
import { KeysInvalid } from '../errors.ts'
import { generatePrivateJwk, keySetFromJwks, type KeySet } from './keyset.ts'

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

/** The key set in a JWK file; errors name the variable and never echo the file's content (private keys). */
function readKeysFile(file: string): KeySet {
  return keySetFromJwks(readJsonFile('SIGNING_KEYS_FILE', file))
}

/**
 * Loads the signing keys: from `SIGNING_KEYS_FILE` when set; otherwise (never in production — the config check
 * refuses it) from `<DEV_KEYS_DIR or repo>/.dev-keys/signing-keys.json`, generated once (mode 0600, git-ignored)
 * and reused on later starts so tokens survive restarts.
 */
export function loadKeySet(config: ApiConfig): { keys: KeySet; generated: boolean } {
  if (config.SIGNING_KEYS_FILE) return { keys: readKeysFile(config.SIGNING_KEYS_FILE), generated: false }
  if (config.NODE_ENV === 'production') throw new KeysInvalid('SIGNING_KEYS_FILE is required in production')
  const dir = config.DEV_KEYS_DIR ?? join(findRepoRoot(import.meta.dirname) ?? process.cwd(), '.dev-keys')
  const file = join(dir, 'signing-keys.json')
  if (existsSync(file)) return { keys: readKeysFile(file), generated: true }
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
  return { keys: readKeysFile(file), generated: true }
}
