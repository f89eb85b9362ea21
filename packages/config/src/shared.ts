import { Type } from 'typebox'

const ORIGIN = '^(\\*|https?://[^/\\s?#]+)$'
const PROXY = '^([0-9A-Fa-f:.]+(/\\d{1,3})?|loopback|linklocal|uniquelocal)$'

/** Log levels accepted by `LOG_LEVEL` (pino's). */
export const LogLevelSchema = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  { default: 'info', description: 'Least severe level written; logs are JSON lines on stdout.' },
)

/**
 * Environment variables both apps read (docs/reference/configuration.md). Spread into an app's schema:
 * `Type.Object({ ...sharedEnv, API_PORT: ... })`. Lists are comma-separated in the environment.
 */
export const sharedEnv = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
    description:
      '`production` refuses to start on unsafe settings (see the production rules) and turns off the dev defaults.',
  }),
  LOG_LEVEL: LogLevelSchema,
  REDIS_URL: Type.String({
    pattern: '^rediss?://',
    default: 'redis://127.0.0.1:6379',
    expected: 'a redis:// or rediss:// URL',
    secret: true,
    description: 'The session store (`redis://` or `rediss://`), shared by api and realtime.',
  }),
  REDIS_KEY_PREFIX: Type.String({
    maxLength: 64,
    pattern: '^[A-Za-z0-9:_.-]*$',
    default: 'portcullis:',
    description:
      'Prefix of every Redis key and of the sharded pub/sub channels; api and realtime must use the same one.',
  }),
  REDIS_CLUSTER_NODES: Type.Array(
    Type.String({ pattern: '^rediss?://[^\\s/?#,]+/?$', expected: 'a redis:// or rediss:// node URL' }),
    {
      default: [],
      expected: 'a comma-separated list of redis:// or rediss:// node URLs (host:port, no path)',
      secret: true,
      description:
        'Seed nodes of a Redis Cluster (`redis[s]://[user:password@]host:port`, comma-separated; a few are enough, ' +
        "the rest is discovered). When set it is used instead of `REDIS_URL`; the first seed's credentials and " +
        'scheme apply to every node. Requires Redis >= 7.0 (sharded pub/sub).',
    },
  ),
  ALLOWED_ORIGINS: Type.Array(
    Type.String({ pattern: ORIGIN, expected: 'exact origin (scheme://host[:port])' }),
    {
      default: [],
      devDefault: ['http://localhost:5173', 'http://127.0.0.1:5173'],
      expected: 'a comma-separated list of exact origins like https://app.example.com',
      description:
        'Exact browser origins (`scheme://host[:port]`), compared lower-cased: one policy for CORS, ticket minting and binding, and the upgrade guard. `*` (any origin) starts only under `NODE_ENV=development`.',
    },
  ),
  TLS_CERT_FILE: Type.Optional(
    Type.String({
      expected: 'a file path',
      description: 'PEM certificate chain: serve https/wss (with `TLS_KEY_FILE`).',
    }),
  ),
  TLS_KEY_FILE: Type.Optional(
    Type.String({
      expected: 'a file path',
      secret: true,
      description: 'PEM private key of `TLS_CERT_FILE`.',
    }),
  ),
  TLS_TERMINATED_BY_PROXY: Type.Boolean({
    default: false,
    description: 'A proxy in front terminates TLS (the app speaks plain http behind it and sends HSTS).',
  }),
  TRUSTED_PROXIES: Type.Array(Type.String({ pattern: PROXY }), {
    default: [],
    expected: 'a comma-separated list of proxy IP addresses or CIDR ranges',
    description: 'Proxy addresses or CIDR ranges whose `X-Forwarded-For` is believed; empty trusts none.',
  }),
}
