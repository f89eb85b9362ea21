import { readFileSync } from 'node:fs'
import { ConfigError } from './errors.ts'

/** ` at line L column C` for a JSON.parse error that says where (numbers only), else ''. */
function where(text: string, err: unknown): string {
  const at = /at position (\d+)/.exec(err instanceof Error ? err.message : '')
  if (!at) return ''
  const before = text.slice(0, Number(at[1]))
  const line = before.split('\n').length
  return ` at line ${line} column ${before.length - before.lastIndexOf('\n')}`
}

/**
 * Reads and parses the JSON file an environment variable names, for files that hold secrets (private keys,
 * password hashes). A failure is one `ConfigError` line naming the variable and the path: unreadable (with its
 * errno code) or not JSON (with the line and column when known) — never any of the file's content. (V8's
 * `JSON.parse` messages quote a slice of the input, which would put key material into the start-up error.)
 * @example const jwks = readJsonFile('SIGNING_KEYS_FILE', config.SIGNING_KEYS_FILE)
 */
export function readJsonFile(variable: string, file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new ConfigError(variable, `invalid environment: ${variable} (${file}) cannot be read (${code})`)
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new ConfigError(
      variable,
      `invalid environment: ${variable} (${file}) is not valid JSON${where(text, err)} (content not shown)`,
    )
  }
}
