import { Type } from 'typebox'

const ORIGIN = '^(\\*|https?://[^/\\s?#]+)$'
const PROXY = '^([0-9A-Fa-f:.]+(/\\d{1,3})?|loopback|linklocal|uniquelocal)$'

/** Log levels accepted by `LOG_LEVEL` (pino's). */
export const LogLevelSchema = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  { default: 'info' },
)

/**
 * Environment variables both apps read (see SPEC "Configuration"). Spread into an app's schema:
 * `Type.Object({ ...sharedEnv, API_PORT: ... })`. Lists are comma-separated in the environment.
 */
export const sharedEnv = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  LOG_LEVEL: LogLevelSchema,
  REDIS_URL: Type.String({
    pattern: '^rediss?://',
    default: 'redis://127.0.0.1:6379',
    expected: 'a redis:// or rediss:// URL',
    secret: true,
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
  REDIS_KEY_PREFIX: Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9:_.-]*$', default: 'portcullis:' }),
  ALLOWED_ORIGINS: Type.Array(
    Type.String({ pattern: ORIGIN, expected: 'exact origin (scheme://host[:port])' }),
    {
      default: [],
      devDefault: ['http://localhost:5173', 'http://127.0.0.1:5173'],
      expected: 'a comma-separated list of exact origins like https://app.example.com',
    },
  ),
  TLS_CERT_FILE: Type.Optional(Type.String({ description: 'a file path' })),
  TLS_KEY_FILE: Type.Optional(Type.String({ description: 'a file path', secret: true })),
  TLS_TERMINATED_BY_PROXY: Type.Boolean({ default: false }),
  TRUSTED_PROXIES: Type.Array(Type.String({ pattern: PROXY }), {
    default: [],
    expected: 'a comma-separated list of proxy IP addresses or CIDR ranges',
  }),
}
