/**
 * What `pnpm dev` starts and where: each app's effective environment (its `.env` file under the real environment,
 * as `node --env-file-if-exists` and Vite read them), the URLs that follow from it, and the few variables the
 * runner fills in so the apps find each other when a port or the scheme changes (never overriding yours).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import { ApiEnvSchema } from '@portcullis/api'
import { loadConfig } from '@portcullis/config'
import { RealtimeEnvSchema } from '@portcullis/realtime'
import { readWebEnv } from '@portcullis/web/env'

type Env = Record<string, string | undefined>

/** One service of the stack. */
export interface DevService {
  readonly name: 'api' | 'realtime' | 'web'
  /** Workspace folder, from the repository root. */
  readonly dir: string
  /** Base URL people and clients use (`ws://…/v1/ws` for realtime). */
  readonly url: string
  /** Where the runner polls readiness. */
  readonly readyUrl: string
  /** Variables the runner adds to this app's environment. */
  readonly env: Env
}

/** The whole stack. */
export interface DevPlan {
  readonly tls: boolean
  readonly api: DevService
  readonly realtime: DevService
  readonly web: DevService
}

/** `apps/<name>/.env` parsed, or empty. */
export function readEnvFile(root: string, app: string): Env {
  const file = join(root, 'apps', app, '.env')
  return existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {}
}

/** A host people can type: wildcard listen addresses become `localhost`, IPv6 gets brackets. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost'
  return host.includes(':') ? `[${host}]` : host
}

/**
 * Plans the stack from the real environment `env` and the apps' `.env` files. Throws the apps' own one-line
 * `invalid environment: …` error for a bad variable.
 * @example devPlan(process.env, { api: readEnvFile(root, 'api'), realtime: {}, web: {} }).api.url // 'http://127.0.0.1:3001'
 */
export function devPlan(env: Env, files: { api: Env; realtime: Env; web: Env }): DevPlan {
  // Real variables win over .env files, as with node --env-file and Vite.
  const apiEnv = { ...files.api, ...env }
  const realtimeEnv = { ...files.realtime, ...env }
  const webEnv = { ...files.web, ...env }
  const api = loadConfig(ApiEnvSchema, apiEnv)
  const realtime = loadConfig(RealtimeEnvSchema, realtimeEnv)
  const web = readWebEnv(webEnv)
  const tls = Boolean(api.TLS_CERT_FILE && api.TLS_KEY_FILE)
  const http = tls ? 'https' : 'http'

  const apiUrl = `${http}://${displayHost(api.API_HOST)}:${api.API_PORT}`
  const realtimeBase = `${http}://${displayHost(realtime.REALTIME_HOST)}:${realtime.REALTIME_PORT}`
  const wsBase = realtimeBase.replace(/^http/, 'ws')
  const webScheme = web.TLS_CERT_FILE && web.TLS_KEY_FILE ? 'https' : 'http'
  const webUrl = `${webScheme}://${displayHost(web.WEB_HOST)}:${web.WEB_PORT}`

  // The page's origins (both spellings of loopback) unless ALLOWED_ORIGINS is yours.
  const origins = [
    ...new Set([
      webUrl,
      `${webScheme}://localhost:${web.WEB_PORT}`,
      `${webScheme}://127.0.0.1:${web.WEB_PORT}`,
    ]),
  ]
  const unlessSet = (source: Env, name: string, value: string): Env =>
    source[name] === undefined || source[name] === '' ? { [name]: value } : {}

  return {
    tls,
    api: {
      name: 'api',
      dir: 'apps/api',
      url: apiUrl,
      readyUrl: `${apiUrl}/readyz`,
      env: { ...unlessSet(apiEnv, 'ALLOWED_ORIGINS', origins.join(',')) },
    },
    realtime: {
      name: 'realtime',
      dir: 'apps/realtime',
      url: `${wsBase}/v1/ws`,
      readyUrl: `${realtimeBase}/readyz`,
      env: {
        ...unlessSet(realtimeEnv, 'ALLOWED_ORIGINS', origins.join(',')),
        ...unlessSet(realtimeEnv, 'JWKS_URL', `${apiUrl}/.well-known/jwks.json`),
      },
    },
    web: {
      name: 'web',
      dir: 'apps/web',
      url: webUrl,
      readyUrl: `${webUrl}/readyz`,
      env: {
        ...unlessSet(webEnv, 'VITE_API_URL', apiUrl),
        ...unlessSet(webEnv, 'VITE_REALTIME_URL', wsBase),
      },
    },
  }
}

/** The one banner `pnpm dev` prints once every service answers `/readyz` (`oidc`: the local provider's issuer). */
export function readyBanner(plan: DevPlan, redis: string, seconds: number, oidc?: string): string {
  const rows = [
    ['demo', `${plan.web.url}  (log in as alice, bob or admin; password <name>-password)`],
    ['api', `${plan.api.url}  (OpenAPI: ${plan.api.url}/docs/json)`],
    ['realtime', plan.realtime.url],
    ['redis', redis],
    ...(oidc
      ? [
          [
            'oidc',
            `${oidc}  (Sign in with OpenID Connect as carol, or dave (admin); password <name>-password)`,
          ],
        ]
      : []),
  ]
  return [
    '',
    `  Portcullis is ready (${seconds.toFixed(1)} s)${plan.tls ? ' — over TLS with the local CA (.dev-tls/ca.pem)' : ''}`,
    ...rows.map(([name, value]) => `    ${name!.padEnd(9)}${value}`),
    '  Apps restart when their sources or the workspace packages they use change. Ctrl-C stops everything.',
    '',
  ].join('\n')
}
