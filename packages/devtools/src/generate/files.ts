/**
 * Every generated file of the repository, computed in memory. `pnpm run generate` writes them;
 * `test/generated.test.ts` fails when a committed copy differs (a stale reference).
 */
import { fileURLToPath } from 'node:url'
import { configFiles } from './config-docs.ts'
import { openApiFiles } from './openapi.ts'
import { protocolFiles } from './protocol-docs.ts'

/** A file the generator owns, whole or in marked blocks. */
export interface GeneratedFile {
  /** Path from the repository root. */
  readonly path: string
  readonly content: string
}

/** The repository root (this file is packages/devtools/src/generate/files.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

/** The one command that regenerates every file below; stale-file messages name it. */
export const GENERATE_COMMAND = 'pnpm run generate'

/** Every generated file, in a stable order. */
export async function generatedFiles(root = REPO_ROOT): Promise<GeneratedFile[]> {
  return [...configFiles(), ...protocolFiles(root), ...(await openApiFiles())]
}
