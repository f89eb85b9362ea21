// `pnpm doctor`: would this environment start in production? Reads the same variables as the apps, parses them
// with the apps' own schemas as if NODE_ENV=production, and prints one table of the production checks
// (packages/config/src/production.ts) for the api and the realtime server, plus a few checks only a running
// machine can answer (the TLS, key and users files exist, parse, match and have not expired), and which account
// sources the api has (`account-source`: USERS_FILE, OIDC_ISSUER). Exit 1 when anything fails.
//
//   pnpm doctor                  # both apps
//   pnpm doctor --app realtime   # one app
//   pnpm doctor --json           # machine-readable rows
//
// A root script, not a package: it imports the apps' config modules and the config package by path.
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { TObject } from 'typebox'
import {
  ConfigError,
  loadConfig,
  productionChecks,
  readJsonFile,
  type ProductionCheck,
} from '../packages/config/src/index.ts'
import { readUsersFile, UsersFileError } from '../apps/api/src/users/users-file.ts'

const APPS = {
  api: { module: '../apps/api/src/config.ts', marker: 'API_PORT' },
  realtime: { module: '../apps/realtime/src/config.ts', marker: 'REALTIME_PORT' },
} as const
type AppName = keyof typeof APPS

interface Row extends Omit<ProductionCheck, 'status'> {
  app: AppName
  status: ProductionCheck['status'] | 'error'
}

// `pnpm run x -- --flag` passes the `--` through: drop it.
const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { app: { type: 'string' }, json: { type: 'boolean', default: false } },
})
const wanted = args.app ? [args.app] : Object.keys(APPS)
if (!wanted.every((a): a is AppName => a in APPS)) {
  console.error(`doctor: --app must be one of ${Object.keys(APPS).join(', ')}`)
  process.exit(2)
}

/** The app's env schema: the exported TypeBox object that declares its port variable. */
async function schemaOf(app: AppName): Promise<TObject> {
  const mod = (await import(APPS[app].module)) as Record<string, unknown>
  const found = Object.values(mod).find(
    (v): v is TObject =>
      typeof v === 'object' && v !== null && APPS[app].marker in ((v as TObject).properties ?? {}),
  )
  if (!found) throw new Error(`${APPS[app].module} exports no env schema with ${APPS[app].marker}`)
  return found
}

function row(app: AppName, id: string, variable: string, ok: boolean | 'warn', detail: string): Row {
  return { app, id, variable, status: ok === 'warn' ? 'warn' : ok ? 'pass' : 'fail', detail }
}

/** Checks of the files the config names: they exist, parse and fit together. Never prints key material. */
function fileChecks(app: AppName, config: Record<string, unknown>): Row[] {
  const rows: Row[] = []
  const certFile = config.TLS_CERT_FILE as string | undefined
  const keyFile = config.TLS_KEY_FILE as string | undefined
  if (certFile && keyFile) {
    try {
      const cert = new X509Certificate(readFileSync(certFile))
      const key = createPrivateKey(readFileSync(keyFile))
      const daysLeft = Math.floor((Date.parse(cert.validTo) - Date.now()) / 86_400_000)
      if (!cert.checkPrivateKey(key))
        rows.push(row(app, 'tls-files', 'TLS_KEY_FILE', false, 'key does not match the certificate'))
      else if (daysLeft < 0)
        rows.push(row(app, 'tls-files', 'TLS_CERT_FILE', false, `certificate expired ${cert.validTo}`))
      else if (daysLeft < 14)
        rows.push(row(app, 'tls-files', 'TLS_CERT_FILE', 'warn', `certificate expires in ${daysLeft} days`))
      else
        rows.push(
          row(
            app,
            'tls-files',
            'TLS_CERT_FILE',
            true,
            `${cert.subject.replace(/\n/g, ' ')}, ${daysLeft} days left`,
          ),
        )
    } catch (err) {
      rows.push(
        row(
          app,
          'tls-files',
          'TLS_CERT_FILE',
          false,
          `cannot load certificate/key: ${(err as Error).message}`,
        ),
      )
    }
  }
  const keysFile = config.SIGNING_KEYS_FILE as string | undefined
  if (app === 'api' && keysFile) {
    try {
      // readJsonFile never echoes the file's content (JSON.parse's own messages quote private key material).
      const keys = readJsonFile('SIGNING_KEYS_FILE', keysFile)
      const ok =
        Array.isArray(keys) &&
        keys.length > 0 &&
        keys.every((k: Record<string, unknown>) => typeof k.kid === 'string' && typeof k.d === 'string')
      rows.push(
        ok
          ? row(
              app,
              'signing-keys-file',
              'SIGNING_KEYS_FILE',
              true,
              `${(keys as unknown[]).length} private JWK(s) with kid`,
            )
          : row(
              app,
              'signing-keys-file',
              'SIGNING_KEYS_FILE',
              false,
              'must be a JSON array of private JWKs, each with kid',
            ),
      )
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      rows.push(row(app, 'signing-keys-file', 'SIGNING_KEYS_FILE', false, err.message))
    }
  }
  const usersFile = config.USERS_FILE as string | undefined
  if (app === 'api' && usersFile) {
    try {
      const accounts = readUsersFile(usersFile)
      const disabled = accounts.filter((a) => a.disabled).length
      rows.push(
        row(
          app,
          'users-file',
          'USERS_FILE',
          accounts.length - disabled > 0 ? true : 'warn',
          `${accounts.length} account(s), ${disabled} disabled`,
        ),
      )
    } catch (err) {
      if (!(err instanceof ConfigError || err instanceof UsersFileError)) throw err
      rows.push(row(app, 'users-file', 'USERS_FILE', false, err.message))
    }
  }
  return rows
}

async function checkApp(app: AppName): Promise<Row[]> {
  let schema: TObject
  try {
    schema = await schemaOf(app)
  } catch (err) {
    return [
      {
        app,
        id: 'config',
        variable: '-',
        status: 'error',
        detail: `cannot load the schema: ${(err as Error).message}`,
      },
    ]
  }
  try {
    // Parse exactly as `NODE_ENV=production` start-up would: production defaults, not development ones.
    const config = loadConfig(schema, { ...process.env, NODE_ENV: 'production' }) as Record<string, unknown>
    const checks = productionChecks(config as unknown as Parameters<typeof productionChecks>[0])
    return [
      ...checks.filter((c) => c.status !== 'skip').map((c) => ({ app, ...c })),
      ...fileChecks(app, config),
    ]
  } catch (err) {
    if (err instanceof ConfigError)
      return [{ app, id: 'config', variable: err.variable, status: 'fail', detail: err.message }]
    throw err
  }
}

const rows = (await Promise.all((wanted as AppName[]).map(checkApp))).flat()
const count = (s: Row['status']) => rows.filter((r) => r.status === s).length
const failed = count('fail') + count('error')

if (args.json) {
  process.stdout.write(`${JSON.stringify({ rows, failed }, null, 2)}\n`)
} else {
  const head = ['app', 'check', 'variable', 'result', 'detail']
  const cells = rows.map((r) => [r.app, r.id, r.variable, r.status.toUpperCase(), r.detail])
  const widths = head.slice(0, 4).map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)))
  const line = (c: string[]) =>
    `${c
      .slice(0, 4)
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')}  ${c[4] ?? ''}`
  const out = [
    'Portcullis doctor: production readiness of this environment (parsed as NODE_ENV=production)',
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w)).concat('------')),
    ...cells.map(line),
    '',
    `${count('pass')} passed, ${count('warn')} warnings, ${failed} failed`,
  ]
  process.stdout.write(`${out.join('\n')}\n`)
}
process.exit(failed > 0 ? 1 : 0)
