/**
 * `pnpm soak [--quick] [--minutes n] [--connections n] [--instances n] [--faults realtime,redis,api|none]
 *  [--out dir] [--docs|--no-docs]` — see docs/reliability.md.
 * Prints progress to stderr and the markdown report to stdout; exits 1 when a check failed or the run broke.
 */
import { parseArgs } from 'node:util'
import { FAULTS, soakDefaults, withDerived, type FaultKind } from './options.ts'
import { writeSoakDocs, writeSoakResults } from './output.ts'
import { renderSoakMarkdown } from './report.ts'
import { runSoak } from './run.ts'

function positive(value: string | undefined, flag: string, integer = true): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!(n > 0) || (integer && !Number.isInteger(n)))
    throw new Error(`${flag} must be a positive ${integer ? 'integer' : 'number'}`)
  return n
}

function faults(value: string | undefined): FaultKind[] | undefined {
  if (value === undefined) return undefined
  if (value === 'none') return []
  const list = value.split(',').filter(Boolean)
  const bad = list.filter((f) => !(FAULTS as readonly string[]).includes(f))
  if (bad.length)
    throw new Error(`--faults: unknown ${bad.join(', ')} (one of ${FAULTS.join(', ')}, or none)`)
  return list as FaultKind[]
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      minutes: { type: 'string' },
      connections: { type: 'string' },
      instances: { type: 'string' },
      faults: { type: 'string' },
      out: { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
    },
  })
  const mode = values.quick ? 'quick' : 'full'
  const base = soakDefaults(mode)
  const options = withDerived({
    mode,
    minutes: positive(values.minutes, '--minutes', false) ?? base.minutes,
    connections: positive(values.connections, '--connections') ?? base.connections,
    instances: positive(values.instances, '--instances') ?? base.instances,
  })
  options.faults = faults(values.faults) ?? options.faults
  options.outDir = values.out ?? options.outDir
  if (values.docs) options.writeDocs = true
  if (values['no-docs']) options.writeDocs = false
  if (options.instances < 2 && options.faults.includes('realtime'))
    throw new Error(
      '--instances: the realtime fault needs at least 2 instances (or leave it out of --faults)',
    )

  const command = `pnpm soak ${process.argv.slice(2).join(' ')}`.trim()
  const t0 = Date.now()
  const log = (line: string): void => {
    process.stderr.write(`[soak ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`)
  }
  log(
    `${mode} run: ${options.minutes} min, ${options.connections} connections over ${options.instances} instances; ` +
      `faults ${options.faults.join(', ') || 'none'}`,
  )
  const report = await runSoak(options, command, log)
  const paths = await writeSoakResults(report, options.outDir)
  if (options.writeDocs) await writeSoakDocs(report)
  process.stdout.write(`${renderSoakMarkdown(report)}\n`)
  log(`wrote ${paths.json}, ${paths.md}, ${paths.svg}${options.writeDocs ? ' and docs/reliability' : ''}`)
  if (report.checks.some((c) => c.pass === false)) process.exitCode = 1
}

main().then(
  // Leftover handles (a reconnect timer of a closed client) must not keep a finished run alive.
  () => process.exit(),
  (err: unknown) => {
    console.error(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    process.exit(1)
  },
)
