import { writeFileSync } from 'node:fs'
import { parseCommand, UsageError, USAGE } from './args.ts'
import { renderPlan } from './dry-run.ts'
import { CASES, selectCases } from './registry.ts'
import { renderReport } from './report/index.ts'
import { textCase, textFooter, textHeader } from './report/text.ts'
import { runConformance, targetOf } from './runner.ts'
import { SecretRegistry } from './secrets.ts'
import { VERSION } from './version.ts'

/** Where the CLI writes (the process's streams, or buffers in tests). */
export interface CliIo {
  readonly stdout: { write(text: string): unknown }
  readonly stderr: { write(text: string): unknown }
  readonly env: Record<string, string | undefined>
  /** Receives every credential the run handles (default a private one): lets a test prove none was printed. */
  readonly secrets?: SecretRegistry
}

/**
 * The `portcullis-conformance` command: parses `argv`, runs (or plans) the suite, writes the report and
 * returns the exit code — 0 when every case held, 1 when one failed, 2 for a usage error or a target that does not
 * answer at all.
 * @example process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let command
  try {
    command = parseCommand(argv, io.env)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    io.stderr.write(`portcullis-conformance: ${err.message} (see --help)\n`)
    return 2
  }
  if (command.kind === 'help') return (io.stdout.write(`${USAGE}\n`), 0)
  if (command.kind === 'version') return (io.stdout.write(`${VERSION}\n`), 0)
  const { options, format, out, dryRun } = command
  let cases
  try {
    cases = selectCases(CASES, options.only)
  } catch (err) {
    io.stderr.write(`portcullis-conformance: ${(err as Error).message}\n`)
    return 2
  }
  if (dryRun) {
    io.stdout.write(`${renderPlan(cases, options)}\n`)
    return 0
  }
  const secrets = io.secrets ?? new SecretRegistry()
  // Text to the terminal streams case by case; any other format (or a file) gets progress lines on stderr.
  const streaming = format === 'text' && !out
  const progress = streaming ? io.stdout : io.stderr
  const target = targetOf(options)
  progress.write(
    secrets.scrub(textHeader({ tool: { name: '@portcullis/conformance', version: VERSION }, target })),
  )
  let report
  try {
    report = await runConformance({
      ...options,
      secrets,
      onResult: (r) =>
        progress.write(
          secrets.scrub(
            streaming
              ? textCase(r)
              : `${r.verdict.toUpperCase()}  ${r.id}${r.reason ? `  (${r.reason})` : ''}\n`,
          ),
        ),
    })
  } catch (err) {
    io.stderr.write(secrets.scrub(`portcullis-conformance: ${(err as Error).message}\n`))
    return 2
  }
  if (streaming) io.stdout.write(secrets.scrub(textFooter(report)))
  else {
    const text = renderReport(report, format, secrets)
    if (out) {
      writeFileSync(out, text)
      io.stderr.write(secrets.scrub(textFooter(report)))
    } else io.stdout.write(text)
  }
  return report.summary.fail === 0 ? 0 : 1
}
