// `pnpm dev:tls`: the whole stack over https/wss on one machine.
//
// 1. Creates (once) a local CA and a certificate for localhost, 127.0.0.1 and ::1 with `openssl` (Debian
//    package `openssl`) under the git-ignored `.dev-tls/`. The CA key never leaves that folder; trust
//    `.dev-tls/ca.pem` in your browser or OS to drop the warning (docs/guides/tls.md).
// 2. Runs `pnpm dev` with TLS_CERT_FILE/TLS_KEY_FILE set, so api and realtime serve https/wss, the demo is served
//    over https by Vite, realtime fetches the JWKS over https (NODE_EXTRA_CA_CERTS trusts the dev CA), and the
//    demo talks to https/wss URLs.
//
//   node scripts/dev-tls.ts                         # certificates if missing, then the stack
//   node scripts/dev-tls.ts --certs-only            # certificates only (prints the paths)
//   node scripts/dev-tls.ts --certs-only --out DIR --hosts localhost,127.0.0.2   # used by tests
import { spawn, spawnSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const ROOT = resolve(import.meta.dirname, '..')
/** Renew a leaf certificate this long before it expires (ms): 30 days. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000

// `pnpm run x -- --flag` passes the `--` through: drop it.
const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    'certs-only': { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, '.dev-tls') },
    hosts: { type: 'string', default: 'localhost,127.0.0.1,::1' },
  },
})

function openssl(argv: string[]): void {
  const run = spawnSync('openssl', argv, { encoding: 'utf8' })
  if (run.error) throw new Error(`openssl not found (apt-get install openssl): ${run.error.message}`)
  if (run.status !== 0) throw new Error(`openssl ${argv[0]} failed: ${run.stderr.trim().split('\n')[0]}`)
}

function validFor(file: string, hosts: string[]): boolean {
  if (!existsSync(file)) return false
  const cert = new X509Certificate(readFileSync(file))
  if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS) return false
  return hosts.every((h) => (isIP(h) ? cert.checkIP(h) : cert.checkHost(h)) !== undefined)
}

/** Paths of the generated material: `ca` to trust, `cert`/`key` for the apps, `bundle` (cert+key) for HAProxy. */
export interface DevTlsFiles {
  ca: string
  cert: string
  key: string
  bundle: string
}

/** Creates the CA (if missing) and a leaf for `hosts` (if missing, expiring, or for other hosts). */
export function ensureDevCertificates(dir: string, hosts: string[]): DevTlsFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const f = {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    cert: join(dir, 'localhost.pem'),
    key: join(dir, 'localhost-key.pem'),
    bundle: join(dir, 'localhost-bundle.pem'),
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  if (!validFor(f.ca, [])) {
    openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      f.caKey,
      '-out',
      f.ca,
      '-days',
      '825',
      '-sha256',
      '-subj',
      '/O=Portcullis development/CN=Portcullis dev CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ])
    chmodSync(f.caKey, 0o600)
    rmSync(f.cert, { force: true })
  }
  if (!validFor(f.cert, hosts)) {
    const csr = join(dir, 'localhost.csr')
    const ext = join(dir, 'localhost.ext')
    const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',')
    writeFileSync(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${san}`,
        '',
      ].join('\n'),
    )
    openssl(['req', '-new', ...ec, '-keyout', f.key, '-out', csr, '-subj', '/CN=localhost'])
    // 397 days: the longest validity browsers accept for a server certificate.
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      f.ca,
      '-CAkey',
      f.caKey,
      '-set_serial',
      `0x${Date.now().toString(16)}`,
      '-days',
      '397',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      f.cert,
    ])
    chmodSync(f.key, 0o600)
    rmSync(csr)
    rmSync(ext)
  }
  writeFileSync(f.bundle, readFileSync(f.cert, 'utf8') + readFileSync(f.key, 'utf8'), { mode: 0o600 })
  return { ca: f.ca, cert: f.cert, key: f.key, bundle: f.bundle }
}

const hosts = args.hosts
  .split(',')
  .map((h) => h.trim())
  .filter(Boolean)
const files = ensureDevCertificates(resolve(args.out), hosts)

if (args['certs-only']) {
  process.stdout.write(`${JSON.stringify(files)}\n`)
} else {
  // TLS files make every app serve https/wss (the demo's Vite server too); `pnpm dev` derives the URLs, JWKS_URL,
  // the https origins and the demo's VITE_* settings from them. Node (realtime → api JWKS, the runner's readiness
  // checks, the SDK in scripts) trusts the dev CA on top of the system store.
  const env = {
    ...process.env,
    TLS_CERT_FILE: files.cert,
    TLS_KEY_FILE: files.key,
    NODE_EXTRA_CA_CERTS: files.ca,
  }
  process.stdout.write(`dev:tls: serving https/wss with ${files.cert} (trust ${files.ca} in your browser)\n`)
  const dev = spawn('pnpm', ['run', 'dev'], { env, stdio: 'inherit', cwd: ROOT })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => dev.kill(signal))
  dev.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}
