// The deployment files cannot be run here (no Docker engine, no cluster), so this checks what can be checked:
// they parse, every variable they give an app exists in that app's env schema, the settings they ship pass the
// production check, the images run the package's `start` command as a non-root user with a healthcheck, and the
// HAProxy config is accepted by the real haproxy binary.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { loadConfig, productionChecks, type ProductionFacts } from '../../config/src/index.ts'
import { ApiEnvSchema } from '../../../apps/api/src/config.ts'
import { RealtimeEnvSchema } from '../../../apps/realtime/src/config.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8')

type Doc = Record<string, unknown>
const APPS = { api: ApiEnvSchema, realtime: RealtimeEnvSchema } as const
type AppName = keyof typeof APPS

/**
 * Variables an app may receive without declaring them: the OpenTelemetry SDK reads `OTEL_*` itself, and Node
 * reads `NODE_EXTRA_CA_CERTS` (the CA that signed the private Redis and proxy certificates).
 */
const isStandard = (name: string) => name.startsWith('OTEL_') || name === 'NODE_EXTRA_CA_CERTS'

function yamlDocs(path: string): Doc[] {
  const docs = parseAllDocuments(read(path), { merge: true })
  const list = Array.isArray(docs) ? docs : [docs]
  for (const d of list)
    expect(
      d.errors.map((e) => e.message),
      path,
    ).toEqual([])
  return list.map((d) => d.toJS({ maxAliasCount: 100 }) as Doc).filter(Boolean)
}

function unknownVariables(app: AppName, env: Record<string, string>): string[] {
  const known = Object.keys(APPS[app].properties)
  return Object.keys(env).filter((k) => !known.includes(k) && !isStandard(k))
}

/** The ids of the production checks that fail / warn for `env` (parsed as production start-up would). */
function productionFindings(app: AppName, env: Record<string, string>): { fail: string[]; warn: string[] } {
  const config = loadConfig(APPS[app], { ...env, NODE_ENV: 'production' })
  const checks = productionChecks(config as unknown as ProductionFacts)
  const ids = (status: string) => checks.filter((c) => c.status === status).map((c) => c.id)
  return { fail: ids('fail'), warn: ids('warn') }
}

function appOf(service: string): AppName | null {
  if (service === 'api') return 'api'
  return service.startsWith('realtime') ? 'realtime' : null
}

/** The last stage's instructions of an app's Dockerfile (what the image runs). */
function runtimeStage(app: string): string {
  const text = read(`apps/${app}/Dockerfile`).replace(/\\\n/g, ' ')
  return text.slice(text.lastIndexOf('\nFROM '))
}

function startCommand(app: AppName): string[] {
  const pkg = JSON.parse(read(`apps/${app}/package.json`)) as { scripts: { start: string } }
  return pkg.scripts.start.split(/\s+/)
}

describe('infra/compose.yaml', () => {
  // Compose interpolation with the values an operator provides in infra/.env.
  const text = read('infra/compose.yaml').replace(/\$\{(\w+)(?::?[-?][^}]*)?\}/g, (_, name: string) =>
    name === 'REDIS_PASSWORD' ? 'compose-test-password' : '',
  )
  const compose = parseAllDocuments(text, { merge: true })
  const doc = (Array.isArray(compose) ? compose[0] : compose)?.toJS({ maxAliasCount: 100 }) as {
    services: Record<string, { environment?: Record<string, string>; build?: { dockerfile?: string } }>
  }

  it('has the whole stack: redis, api, two realtime instances, proxy, collector, web', () => {
    expect(Object.keys(doc.services).toSorted()).toEqual(
      ['api', 'otel-collector', 'proxy', 'realtime-1', 'realtime-2', 'redis', 'web'].toSorted(),
    )
  })

  it('gives each app only variables its config schema declares, and settings that pass the production check', () => {
    for (const [name, service] of Object.entries(doc.services)) {
      const app = appOf(name)
      if (!app) continue
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]),
      )
      expect(unknownVariables(app, env), name).toEqual([])
      // Redis and the JWKS fetch use TLS even on the internal network: no failure and no warning.
      expect(productionFindings(app, env), name).toEqual({ fail: [], warn: [] })
      expect(service.build?.dockerfile, name).toBe(`apps/${app}/Dockerfile`)
    }
  })

  it('protects Redis with an ACL user, a password and TLS only, and the apps use it', () => {
    const redis = JSON.stringify(doc.services.redis)
    expect(redis).toContain('"default","off"')
    expect(redis).toContain('>compose-test-password')
    expect(redis).toContain('"--port","0","--tls-port","6379"')
    expect(doc.services.api?.environment?.REDIS_URL).toBe(
      'rediss://portcullis:compose-test-password@redis:6379',
    )
    expect(doc.services['realtime-1']?.environment?.JWKS_URL).toMatch(/^https:\/\//)
  })
})

// Compose interpolation with the values an operator provides in infra/.env.
const interpolate = (path: string) =>
  read(path).replace(/\$\{(\w+)(?::?[-?][^}]*)?\}/g, (_, name: string) =>
    name === 'REDIS_PASSWORD'
      ? 'compose-test-password'
      : name === 'REDIS_ADMIN_PASSWORD'
        ? 'admin-password'
        : '',
  )
type Service = {
  environment?: Record<string, string>
  extends?: { file: string; service: string }
  command?: string[]
  entrypoint?: string[]
  hostname?: string
  depends_on?: Record<string, { condition: string }>
}
const load = (path: string) =>
  (
    parseAllDocuments(interpolate(path), { merge: true }) as unknown as Array<{ toJS(o: object): unknown }>
  )[0]!.toJS({
    maxAliasCount: 100,
  }) as { services: Record<string, Service> }

describe('infra/compose.cluster.yaml', () => {
  const base = load('infra/compose.yaml')
  const doc = load('infra/compose.cluster.yaml')
  /** A service's environment as compose computes it: the extended service's, then its own. */
  const envOf = (service: Service): Record<string, string> => {
    const inherited = service.extends ? (base.services[service.extends.service]?.environment ?? {}) : {}
    return Object.fromEntries(
      Object.entries({ ...inherited, ...service.environment }).map(([k, v]) => [k, String(v)]),
    )
  }

  it('runs six cluster nodes, a one-shot init, and the apps of compose.yaml after it', () => {
    const nodes = Object.keys(doc.services).filter((n) => /^redis-\d$/.test(n))
    expect(nodes).toHaveLength(6)
    expect(Object.keys(doc.services)).not.toContain('redis')
    for (const name of nodes) {
      const node = doc.services[name]!
      expect(node.hostname).toBe(name)
      const args = (node.command ?? []).join(' ')
      expect(args).toContain('--cluster-enabled yes')
      expect(args).toContain('--port 0 --tls-port 6379')
      expect(args).toContain('--tls-cluster yes --tls-replication yes')
      expect(args).toContain('--user default off')
      expect(args).toContain(
        '--user portcullis on >compose-test-password ~portcullis:* &portcullis:* +@all -@dangerous',
      )
      expect(node.entrypoint?.join(' ')).toContain('--cluster-announce-hostname')
    }
    const init = JSON.stringify(doc.services['redis-cluster-init'])
    expect(init).toContain('--cluster create')
    expect(init).toContain('--cluster-replicas 1')
    for (const app of ['api', 'realtime-1', 'realtime-2'])
      expect(doc.services[app]?.depends_on?.['redis-cluster-init']?.condition).toBe(
        'service_completed_successfully',
      )
  })

  it('gives the apps REDIS_CLUSTER_NODES over TLS, declared in their schema, passing the production check', () => {
    for (const name of ['api', 'realtime-1', 'realtime-2']) {
      const app = appOf(name)!
      const env = envOf(doc.services[name]!)
      expect(env.REDIS_CLUSTER_NODES?.split(',')).toEqual(
        [1, 2, 3].map((n) => `rediss://portcullis:compose-test-password@redis-${n}:6379`),
      )
      expect(unknownVariables(app, env), name).toEqual([])
      expect(productionFindings(app, env), name).toEqual({ fail: [], warn: [] })
    }
    // Live sockets survive a failover: the grace outlasts detection and election (cluster-node-timeout 3 s).
    expect(Number(envOf(doc.services['realtime-1']!).STORE_GRACE_MS)).toBeGreaterThanOrEqual(2 * 3000)
  })
})

describe('infra/k8s', () => {
  const files = readdirSync(`${root}infra/k8s`).filter((f) => f.endsWith('.yaml'))
  const docs = files.flatMap((f) => yamlDocs(`infra/k8s/${f}`))
  const kinds = (kind: string) =>
    docs.filter((d) => d.kind === kind) as Array<Doc & { metadata: { name: string } }>

  it('parses and has every piece: Deployments, Services, Ingress, HPA, PDBs, NetworkPolicies', () => {
    expect(
      kinds('Deployment')
        .map((d) => d.metadata.name)
        .toSorted(),
    ).toEqual(['api', 'realtime', 'web'])
    expect(kinds('Service')).toHaveLength(3)
    expect(kinds('Ingress')).toHaveLength(1)
    expect(kinds('HorizontalPodAutoscaler').map((d) => d.metadata.name)).toEqual(['realtime'])
    expect(
      kinds('PodDisruptionBudget')
        .map((d) => d.metadata.name)
        .toSorted(),
    ).toEqual(['api', 'realtime'])
    expect(kinds('NetworkPolicy').map((d) => d.metadata.name)).toContain('default-deny')
    const kustomization = yamlDocs('infra/k8s/kustomization.yaml')[0] as { resources: string[] }
    expect([...kustomization.resources, 'kustomization.yaml'].toSorted()).toEqual(files.toSorted())
  })

  it('keeps WebSockets open longer than the app heartbeat and idle timeout', () => {
    const ingress = kinds('Ingress')[0] as unknown as { metadata: { annotations: Record<string, string> } }
    const annotations = ingress.metadata.annotations
    const timeoutS = Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])
    expect(timeoutS * 1000).toBeGreaterThan(300_000) // IDLE_TIMEOUT_MS default
  })

  it('gives each app declared variables only, production-safe settings, its start command, a hardened pod', () => {
    const configMaps = Object.fromEntries(
      kinds('ConfigMap').map((c) => [
        c.metadata.name,
        (c as unknown as { data: Record<string, string> }).data,
      ]),
    )
    for (const app of ['api', 'realtime'] as const) {
      const deployment = kinds('Deployment').find((d) => d.metadata.name === app) as unknown as {
        spec: { template: { spec: { securityContext: Doc; containers: Array<Record<string, never>> } } }
      }
      const pod = deployment.spec.template.spec
      const container = pod.containers[0] as unknown as {
        command: string[]
        env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }>
        envFrom: Array<{ configMapRef: { name: string } }>
        securityContext: Doc
      }
      const env: Record<string, string> = {}
      for (const ref of container.envFrom) Object.assign(env, configMaps[ref.configMapRef.name])
      for (const e of container.env) {
        // Secret values are supplied at deploy time: stand in what an operator would put there.
        env[e.name] =
          e.value ?? (e.name === 'REDIS_URL' ? 'rediss://portcullis:pw@redis.internal:6380' : 'secret')
      }
      expect(unknownVariables(app, env), app).toEqual([])
      // realtime reads the JWKS over https through the ingress: no failure and no warning.
      expect(productionFindings(app, env), app).toEqual({ fail: [], warn: [] })
      expect(container.command, app).toEqual(startCommand(app))
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true })
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      })
      expect(container.env.find((e) => e.name === 'REDIS_URL')?.valueFrom?.secretKeyRef?.name).toBe(
        'portcullis-redis',
      )
    }
  })
})

describe('Dockerfiles', () => {
  it.each(['api', 'realtime'] as const)(
    '%s: pnpm deploy, non-root, healthcheck, the package start command',
    (app) => {
      const text = read(`apps/${app}/Dockerfile`)
      expect(text).toMatch(/pnpm deploy --filter "@portcullis\/[a-z]+" --prod/)
      expect(text).toContain(`--filter "@portcullis/${app}"`)
      const stage = runtimeStage(app)
      expect(stage).toMatch(/^\s*USER (?!root|0\b)\S+/m)
      expect(stage).toMatch(/^\s*HEALTHCHECK .*\/healthz/m)
      const cmd = /^CMD (\[.*\])\s*$/m.exec(stage)?.[1]
      expect(JSON.parse(cmd ?? '[]')).toEqual(startCommand(app))
      const envNames = [...stage.matchAll(/\b([A-Z][A-Z0-9_]+)=/g)].map((m) => m[1] ?? '')
      expect(unknownVariables(app, Object.fromEntries(envNames.map((n) => [n, ''])))).toEqual([])
    },
  )

  it('web: static build served by an unprivileged server with a healthcheck', () => {
    const stage = runtimeStage('web')
    expect(stage).toMatch(/^\s*USER (?!root|0\b)\S+/m)
    expect(stage).toMatch(/^\s*HEALTHCHECK /m)
    expect(read('.dockerignore')).toMatch(/^\.dev-keys$/m)
  })
})

describe('infra/haproxy/haproxy.cfg', () => {
  it('is accepted by haproxy -c and routes api, JWKS and WebSocket paths', () => {
    // A throwaway certificate from the same script developers use (`pnpm dev:tls`).
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-haproxy-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const certs = spawnSync(process.execPath, [`${root}scripts/dev-tls.ts`, '--certs-only', '--out', dir], {
      encoding: 'utf8',
    })
    expect(certs.status, certs.stderr).toBe(0)
    const env = {
      ...process.env,
      PROXY_BIND: '127.0.0.1',
      PROXY_HTTPS_PORT: '18443',
      PROXY_HTTP_PORT: '18080',
      PROXY_CERT: (JSON.parse(certs.stdout) as { bundle: string }).bundle,
      API_ADDR: '127.0.0.1:13001',
      REALTIME_1_ADDR: '127.0.0.1:13002',
      REALTIME_2_ADDR: '127.0.0.1:13003',
      WEB_ADDR: '127.0.0.1:15173',
    }
    const run = spawnSync('haproxy', ['-c', '-q', '-f', `${root}infra/haproxy/haproxy.cfg`], {
      env,
      encoding: 'utf8',
    })
    expect(run.error?.message, 'haproxy is installed by .ci/bootstrap.sh').toBeUndefined()
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('')
    expect(run.status).toBe(0)
    const cfg = read('infra/haproxy/haproxy.cfg')
    expect(cfg).toMatch(/acl is_ws\s+path \/v1\/ws/)
    expect(cfg).toMatch(/acl is_api\s+path_beg \/v1\/auth\/ \/v1\/admin\/ \/\.well-known\//)
    expect(cfg).toMatch(/http-request del-header X-Forwarded-For/)
    expect(cfg).toMatch(/option forwardfor/)
    expect(cfg).toMatch(/timeout tunnel/)
  })
})
