/**
 * `pnpm bench [--quick] [--servers a,b] [--scenarios a,b] [--repeats n] [--window-ms n] [--idle-conns n] [--echo 100x8]
 *  [--out dir] [--docs|--no-docs] [--profile] [--redis-cluster]` — see docs/benchmarks.md.
 * Prints progress to stderr, the markdown table to stdout, and exits non-zero only when the run itself failed
 * (a missed target is reported, not an error).
 */
import { parseArgs } from 'node:util'
import { defaults, SCENARIOS, type ScenarioName } from './options.ts'
import { writeDocs, writeResults } from './output.ts'
import { renderMarkdown } from './report/markdown.ts'
import { runBench } from './run.ts'
import { SERVER_NAMES, type ServerName } from './targets.ts'

function list<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T[] | undefined {
  if (value === undefined) return undefined
  const items = value.split(',').filter(Boolean)
  const bad = items.filter((i) => !allowed.includes(i as T))
  if (bad.length) throw new Error(`${flag}: unknown ${bad.join(', ')} (one of ${allowed.join(', ')})`)
  return items as T[]
}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer`)
  return n
}

/** `--echo 100x8,1000x1`: the closed-loop echo cases (connections × in flight). */
function echoCases(value: string): Array<[number, number]> {
  return value.split(',').map((c) => {
    const m = /^(\d+)x(\d+)$/.exec(c)
    if (!m || Number(m[1]) <= 0 || Number(m[2]) <= 0)
      throw new Error(`--echo: ${c} is not <connections>x<in flight>`)
    return [Number(m[1]), Number(m[2])]
  })
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    // pnpm passes `--` through when the root script forwards arguments.
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      servers: { type: 'string' },
      scenarios: { type: 'string' },
      repeats: { type: 'string' },
      'window-ms': { type: 'string' },
      'idle-conns': { type: 'string' },
      echo: { type: 'string' },
      out: { type: 'string' },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      profile: { type: 'boolean', default: false },
      'redis-cluster': { type: 'boolean', default: false },
    },
  })
  const options = defaults(values.quick ? 'quick' : 'full')
  options.servers = list(values.servers, SERVER_NAMES, '--servers') ?? options.servers
  options.scenarios = list<ScenarioName>(values.scenarios, SCENARIOS, '--scenarios') ?? options.scenarios
  options.repeats = int(values.repeats, '--repeats') ?? options.repeats
  options.windowMs = int(values['window-ms'], '--window-ms') ?? options.windowMs
  options.idleConns = int(values['idle-conns'], '--idle-conns') ?? options.idleConns
  if (values.echo !== undefined) options.echoCases = echoCases(values.echo)
  options.outDir = values.out ?? options.outDir
  options.profile = values.profile
  options.redisCluster = values['redis-cluster']
  if (values.docs) options.writeDocs = true
  if (values['no-docs']) options.writeDocs = false
  const servers: ServerName[] = options.servers

  const command = `pnpm bench ${process.argv.slice(2).join(' ')}`.trim()
  const t0 = Date.now()
  const log = (line: string): void => {
    process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`)
  }
  log(`${options.mode} run: servers ${servers.join(', ')}; scenarios ${options.scenarios.join(', ')}`)
  const report = await runBench(options, command, log)
  const paths = await writeResults(report, options.outDir)
  if (options.writeDocs) await writeDocs(report)
  process.stdout.write(`${renderMarkdown(report)}\n`)
  log(`wrote ${paths.json}, ${paths.md}, ${paths.svg}${options.writeDocs ? ' and docs/benchmarks' : ''}`)
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})
