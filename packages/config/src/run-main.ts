import { ConfigError } from './errors.ts'

/**
 * Runs an app's `main`: a `ConfigError` is printed as its one line to stderr and the process exits 1;
 * any other start-up error is printed (message only) and exits 1 too.
 * @example runMain(async () => { const config = loadApiConfig(process.env); await start(config) })
 */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`)
    else process.stderr.write(`start-up failed: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  })
}
