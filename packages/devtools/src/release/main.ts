// `pnpm release`: publish the public packages (every workspace package not marked `private`: @portcullis/protocol,
// @portcullis/client, @portcullis/tokens, @portcullis/conformance) with Changesets.
//
//   pnpm changeset                # describe a change (writes .changeset/<name>.md), in the pull request
//   pnpm changeset version        # apply pending changesets: bump versions, write CHANGELOG.md files
//   pnpm release --dry-run        # build, pack, verify every tarball; publishes nothing (CI runs this)
//   pnpm release                  # the same, then `changeset publish` of exactly the verified tarballs
//
// Verification (tarballProblems): no `source` export condition, no `workspace:` range, no sources or tests, every
// export target present, README, repository, engines and sideEffects set.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '../generate/files.ts'
import { readTarball, tarballProblems } from './tarball.ts'

const dryRun = process.argv.includes('--dry-run')

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit', env })
  if (result.status !== 0) {
    console.error(`release: \`${cmd} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`)
    process.exit(1)
  }
}

/** The names of the workspace packages that publish (not `private`). */
function publicPackages(): string[] {
  const dir = join(REPO_ROOT, 'packages')
  return readdirSync(dir)
    .map(
      (name) =>
        JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as {
          name: string
          private?: boolean
        },
    )
    .filter((manifest) => manifest.private !== true)
    .map((manifest) => manifest.name)
}

run('pnpm', [
  'exec',
  'turbo',
  'run',
  'build',
  ...publicPackages().map((name) => `--filter=${name}`),
  '--output-logs=errors-only',
])

const out = mkdtempSync(join(tmpdir(), 'portcullis-release-'))
try {
  // `changeset pack` asks the registry which versions exist; in a dry run nothing may reach the network, so it
  // gets an unreachable registry and packs every public package as "not published yet".
  const packEnv = dryRun ? { ...process.env, npm_config_registry: 'http://127.0.0.1:9/' } : process.env
  run('pnpm', ['exec', 'changeset', 'pack', '--out-dir', out], packEnv)
  const dir = join(out, 'packages')
  const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'))
  if (tarballs.length === 0) {
    console.error('release: nothing to publish (every public package version is already on the registry)')
    process.exit(dryRun ? 1 : 0)
  }
  let failed = false
  for (const file of tarballs.toSorted()) {
    const contents = readTarball(join(dir, file))
    const problems = tarballProblems(contents)
    const id = `${String(contents.manifest.name)}@${String(contents.manifest.version)}`
    if (problems.length > 0) {
      failed = true
      console.error(`release: ${id} is not fit to publish: ${problems.join('; ')}`)
    } else {
      process.stdout.write(
        `release: ${dryRun ? 'would publish' : 'publishing'} ${id} (${contents.files.length} files)\n`,
      )
    }
  }
  if (failed) process.exit(1)
  if (dryRun) {
    process.stdout.write('release: dry run — nothing was published\n')
  } else {
    run('pnpm', ['exec', 'changeset', 'publish', '--from-pack-dir', out])
  }
} finally {
  rmSync(out, { recursive: true, force: true })
}
