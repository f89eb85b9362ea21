import type { TObject, TSchema, Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { ConfigError } from './errors.ts'

/** The environment as `process.env` gives it. */
export type Env = Readonly<Record<string, string | undefined>>

/**
 * Schema annotations understood by `loadConfig` (plain JSON-schema keywords, ignored by validators):
 * - `description`: what the variable does, one or two sentences; `pnpm run generate` renders it into
 *   docs/reference/configuration.md and the apps' `.env.example` (every variable needs one);
 * - `devDefault`: the default outside `NODE_ENV=production` (`default` then applies in production only);
 * - `secret: true`: never echo the value in an error line (URLs with passwords, key material);
 * - `expected`: wording for the error line (`must be <expected>`), when the generated one is not clear.
 */
export interface EnvAnnotations {
  devDefault?: unknown
  secret?: boolean
  expected?: string
}

type Prop = TSchema & EnvAnnotations & Record<string, unknown>

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])
const NUMBER = /^-?\d+(\.\d+)?$/

/** What a property expects, in words, for the one-line error. */
export function describeExpected(prop: Prop): string {
  if (typeof prop.expected === 'string') return prop.expected
  const type = prop.type
  if (type === 'integer' || type === 'number') {
    const noun = type === 'integer' ? 'an integer' : 'a number'
    const min = prop.minimum as number | undefined
    const max = prop.maximum as number | undefined
    if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`
    if (min === 1 && type === 'integer') return 'a positive integer'
    if (min === 0) return `a non-negative ${noun.replace(/^an? /, '')}`
    if (min !== undefined) return `${noun} >= ${min}`
    return noun
  }
  if (type === 'boolean') return 'true or false'
  if (type === 'array') return `a comma-separated list of ${describeExpected(prop.items as Prop)}s`
  const options = (prop.anyOf as Prop[] | undefined)?.map((o) => o.const)
  if (options?.every((o) => typeof o === 'string')) return `one of ${options.join(', ')}`
  if (type === 'string' && typeof prop.minLength === 'number' && prop.minLength > 0 && !prop.pattern)
    return 'a non-empty string'
  return 'a valid value'
}

function coerce(prop: Prop, raw: string): unknown {
  switch (prop.type) {
    case 'integer':
    case 'number':
      return NUMBER.test(raw.trim()) ? Number(raw.trim()) : raw
    case 'boolean': {
      const v = raw.trim().toLowerCase()
      return TRUE.has(v) ? true : FALSE.has(v) ? false : raw
    }
    case 'array':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
        .map((s) => coerce(prop.items as Prop, s))
    default:
      return raw
  }
}

const validators = new WeakMap<object, { Check(v: unknown): boolean }>()

function check(prop: Prop, value: unknown): boolean {
  let validator = validators.get(prop)
  if (!validator) {
    validator = Compile(prop)
    validators.set(prop, validator)
  }
  return validator.Check(value)
}

function fail(key: string, prop: Prop, raw: string): never {
  const got = prop.secret ? '' : ` (got ${JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw)})`
  throw new ConfigError(key, `invalid environment: ${key} must be ${describeExpected(prop)}${got}`)
}

/**
 * Reads the variables named by `schema` from `env`: strings are parsed to numbers, booleans (`true/false/1/0`)
 * and comma lists as the schema says; an unset or empty variable takes its `devDefault` (outside production)
 * or `default`. Variables not in the schema are ignored. Throws `ConfigError` (one line naming the variable) on
 * the first bad or missing one.
 * @example
 * const schema = Type.Object({ ...sharedEnv, API_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3001 }) })
 * const config = loadConfig(schema, process.env) // { API_PORT: 3001, REDIS_URL: 'redis://127.0.0.1:6379', ... }
 */
export function loadConfig<T extends TObject>(schema: T, env: Env): Static<T> {
  const production = env.NODE_ENV === 'production'
  const required = new Set(schema.required ?? [])
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema.properties)) {
    const prop = value as Prop
    const raw = env[key]
    if (raw === undefined || raw.trim() === '') {
      const fallback = !production && 'devDefault' in prop ? prop.devDefault : prop.default
      if (fallback !== undefined) out[key] = structuredClone(fallback)
      else if (required.has(key)) throw new ConfigError(key, `invalid environment: ${key} is required`)
      continue
    }
    const parsed = coerce(prop, raw)
    if (!check(prop, parsed)) fail(key, prop, raw)
    out[key] = parsed
  }
  return out as Static<T>
}
