/**
 * docs/reference/configuration.md and each app's `.env.example`, from the TypeBox environment schemas (names,
 * defaults, development defaults, bounds, descriptions) and the production check (packages/config/src/production.ts).
 */
import { ApiEnvSchema } from '@portcullis/api'
import {
  describeExpected,
  productionChecks,
  sharedEnv,
  type EnvAnnotations,
  type ProductionCheck,
  type ProductionFacts,
} from '@portcullis/config'
import { RealtimeEnvSchema } from '@portcullis/realtime'
import { TelemetryEnvSchema } from '@portcullis/telemetry/env'
import { WebEnvSchema } from '@portcullis/web/env'
import type { TObject, TSchema } from 'typebox'
import { banner, code, table } from './markdown.ts'
import type { GeneratedFile } from './files.ts'

type Prop = TSchema & EnvAnnotations & { description?: string } & Record<string, unknown>

/** One documented variable. */
export interface EnvVar {
  readonly name: string
  readonly prop: Prop
}

/** A group of variables: a table in the reference, a paragraph in `.env.example`. */
interface Section {
  readonly title: string
  readonly source: string
  readonly vars: readonly EnvVar[]
}

const SHARED = new Set(Object.keys(sharedEnv))

function vars(schema: TObject, keep: (name: string) => boolean = () => true): EnvVar[] {
  return Object.entries(schema.properties)
    .filter(([name]) => keep(name))
    .map(([name, prop]) => ({ name, prop: prop as Prop }))
}

const shared: Section = {
  title: 'Shared by api and realtime',
  source: 'packages/config/src/shared.ts',
  vars: vars(ApiEnvSchema, (name) => SHARED.has(name)),
}
const telemetry: Section = {
  title: 'Telemetry (api and realtime)',
  source: 'packages/telemetry/src/env.ts',
  vars: vars(TelemetryEnvSchema),
}
const api: Section = {
  title: 'api',
  source: 'apps/api/src/config.ts',
  vars: vars(ApiEnvSchema, (name) => !SHARED.has(name)),
}
const realtime: Section = {
  title: 'realtime',
  source: 'apps/realtime/src/config.ts',
  vars: vars(RealtimeEnvSchema, (name) => !SHARED.has(name)),
}
const web: Section = { title: 'web (the demo)', source: 'apps/web/env.ts', vars: vars(WebEnvSchema) }

/** Every documented variable (the tests check each has a description). */
export const ALL_SECTIONS: readonly Section[] = [shared, telemetry, api, realtime, web]

/**
 * Settings that fail (or warn) every production check at once. `productionChecks` over these gives the exact
 * line each app prints when it refuses to start; a test fails when a new check passes here (add its unsafe value).
 */
export const UNSAFE_PRODUCTION: ProductionFacts & Record<string, unknown> = {
  NODE_ENV: 'production',
  API_PORT: 3001,
  ALLOWED_ORIGINS: [],
  TLS_TERMINATED_BY_PROXY: false,
  TRUSTED_PROXIES: ['0.0.0.0/0'],
  REDIS_URL: 'redis://redis.internal:6379',
  DEMO_USERS: true,
  ALLOW_QUERY_TOKEN: true,
  MAX_MESSAGE_BYTES: 2_097_152,
  JWKS_URL: 'http://api.internal/.well-known/jwks.json',
  OIDC_ISSUER: 'http://id.example/realms/main',
}

/**
 * The api without any account source. A provider in `UNSAFE_PRODUCTION` is an account source, so the two checks
 * (plaintext provider, no account source) cannot both fail on one example: this one shows the second.
 */
const NO_ACCOUNT_SOURCE: ProductionFacts = {
  ...UNSAFE_PRODUCTION,
  OIDC_ISSUER: undefined,
  USERS_FILE: undefined,
}

/** The production checks, each with the line it prints when it refuses (or warns about) a setting. */
export function productionRules(): ProductionCheck[] {
  const alone = new Map(productionChecks(NO_ACCOUNT_SOURCE).map((r) => [r.id, r]))
  return productionChecks(UNSAFE_PRODUCTION).map((rule) => {
    const other = alone.get(rule.id)
    return rule.status === 'pass' && other?.status === 'fail' ? other : rule
  })
}

/** What a variable accepts, in words (the wording of the start-up error line). */
function accepted(prop: Prop): string {
  const words = describeExpected(prop)
  if (words !== 'a valid value') return words
  if (typeof prop.pattern === 'string') return `a value matching \`${prop.pattern}\``
  return prop.type === 'string' ? 'a string' : words
}

function defaults(prop: Prop): { dev?: unknown; prod?: unknown } {
  const prod = prop.default
  return 'devDefault' in prop ? { dev: prop.devDefault, prod } : { prod }
}

const shown = (v: unknown) => (v === undefined ? 'unset' : code(v))

function defaultCell(prop: Prop): string {
  const { dev, prod } = defaults(prop)
  return 'dev' in defaults(prop) ? `${shown(dev)}; production: ${shown(prod)}` : shown(prod)
}

function referenceTable(section: Section): string {
  return table(
    ['variable', 'default', 'accepts', 'meaning'],
    section.vars.map(({ name, prop }) => [
      `\`${name}\``,
      defaultCell(prop),
      accepted(prop),
      `${prop.description ?? '(undocumented)'}${prop.secret ? ' Secret: never echoed in errors.' : ''}`,
    ]),
  )
}

function configurationMd(): string {
  const rules = productionRules()
  const refused = rules.filter((r) => r.status === 'fail')
  const warned = rules.filter((r) => r.status === 'warn')
  return [
    banner(
      'the environment schemas (packages/config, packages/telemetry, apps/*/src/config.ts, apps/web/env.ts)',
      (l) => `<!-- ${l} -->`,
    ),
    '',
    '# Configuration',
    '',
    'Each app reads its environment once at start, validates it against a TypeBox schema and exits 1 with **one line',
    'naming the bad variable**, e.g. `invalid environment: API_PORT must be an integer from 0 to 65535 (got "abc")`.',
    'Unset or empty variables take their default; some defaults differ outside production (shown as',
    '`<development>; production: <production>`). Numbers are decimal, booleans are `true`/`false` (also `1`/`0`,',
    '`yes`/`no`), lists are comma-separated. Each app has a commented `.env.example` generated from the same schemas:',
    'copy it to `.env` next to it (git-ignored) — `pnpm dev` reads it, and real environment variables win.',
    '',
    ...ALL_SECTIONS.flatMap((section) => [
      `## ${section.title}`,
      '',
      `Schema: \`${section.source}\`.`,
      '',
      referenceTable(section),
      '',
    ]),
    '## Production rules (`NODE_ENV=production`)',
    '',
    'A production start refuses every unsafe setting at once, one line each, and exits 1. The checks live in',
    '`packages/config/src/production.ts`; `pnpm run doctor` prints the same checks as a table for the current',
    'environment. The lines below are what the apps print for a deliberately unsafe configuration.',
    '',
    table(
      ['check', 'variable', 'refused with'],
      refused.map((r) => [`\`${r.id}\``, `\`${r.variable}\``, r.detail]),
    ),
    '',
    ...(warned.length > 0
      ? [
          'Warnings (shown by `pnpm run doctor`, not refused):',
          '',
          table(
            ['check', 'variable', 'warning'],
            warned.map((r) => [`\`${r.id}\``, `\`${r.variable}\``, r.detail]),
          ),
          '',
        ]
      : []),
  ].join('\n')
}

/** Wraps `text` into `# `-comment lines of at most `width` characters. */
function comment(text: string, width = 118): string[] {
  const lines: string[] = []
  let line = '#'
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line)
      line = '#'
    }
    line += ` ${word}`
  }
  if (line !== '#') lines.push(line)
  return lines
}

function envValue(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : value === undefined ? '' : String(value)
}

function envExample(app: string, source: string, sections: readonly Section[]): string {
  const rules = productionRules().filter((r) => r.status === 'fail')
  const out = [
    banner(source, (l) => `# ${l}`),
    `# Environment of ${app}. Copy this file to .env next to it (git-ignored): \`pnpm dev\` reads it, and variables`,
    '# set in the real environment win. Every variable is optional outside production; each line shows the default.',
    '# Reference: docs/reference/configuration.md.',
  ]
  for (const section of sections) {
    out.push('', `# --- ${section.title} ${'-'.repeat(Math.max(3, 110 - section.title.length))}`)
    for (const { name, prop } of section.vars) {
      const { dev, prod } = defaults(prop)
      const notes = [
        prop.description ?? '',
        `Accepts ${accepted(prop)}.`,
        ...('dev' in defaults(prop) ? [`Production default: ${envValue(prod) || '(empty)'}.`] : []),
        ...rules.filter((r) => r.variable === name).map((r) => `Production refuses: ${r.detail}.`),
      ]
      out.push('', ...comment(notes.join(' ')), `# ${name}=${envValue('dev' in defaults(prop) ? dev : prod)}`)
    }
  }
  return `${out.join('\n')}\n`
}

/** The generated configuration reference and `.env.example` files. */
export function configFiles(): GeneratedFile[] {
  return [
    { path: 'docs/reference/configuration.md', content: configurationMd() },
    {
      path: 'apps/api/.env.example',
      content: envExample('the api (apps/api)', 'apps/api/src/config.ts', [shared, api, telemetry]),
    },
    {
      path: 'apps/realtime/.env.example',
      content: envExample('the realtime server (apps/realtime)', 'apps/realtime/src/config.ts', [
        shared,
        realtime,
        telemetry,
      ]),
    },
    {
      path: 'apps/web/.env.example',
      content: envExample(
        'the demo (apps/web; Vite reads it, VITE_* values end up in the page)',
        'apps/web/env.ts',
        [web],
      ),
    },
  ]
}
