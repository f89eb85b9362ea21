import { createRequire } from 'node:module'

/** This package's version (read at run time: `../package.json` from both `src/` and `dist/`). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version
