// Portcullis access tokens in a plain `node:http` service (no framework): the same verifier @fastify/jwt uses.
// Guide: docs/guides/verify-tokens.md. Run it next to `pnpm dev` (after `npm install @portcullis/tokens`):
//   JWKS_URL=http://localhost:3001/.well-known/jwks.json node node-http-service.ts
// then `curl -H "Authorization: Bearer $ACCESS_TOKEN" localhost:3006/me`.
// Settings: JWKS_URL, JWT_ISSUER (default portcullis-api), JWT_AUDIENCE (default portcullis), HOST, PORT (3006).
import { createServer, type ServerResponse } from 'node:http'
import { bearerToken, createJwksSource, createVerifier, wireError } from '@portcullis/tokens'

const env = process.env
const keys = createJwksSource({ url: env.JWKS_URL ?? 'http://localhost:3001/.well-known/jwks.json' })
const verifier = createVerifier({
  issuer: env.JWT_ISSUER ?? 'portcullis-api',
  audience: env.JWT_AUDIENCE ?? 'portcullis',
  keys,
})
keys.on('fetchFailed', ({ error }) => console.warn(`[jwks] ${error.message}`))

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify(body))
}

const server = createServer(async (req, res) => {
  if (req.url === '/readyz') return json(res, keys.ready ? 200 : 503, { ready: keys.ready })
  if (req.url !== '/me' || req.method !== 'GET') return json(res, 404, { error: 'not_found' })
  const token = bearerToken(req.headers.authorization)
  const result =
    token === undefined ? ({ ok: false, failure: 'missing' } as const) : await verifier.verify(token)
  if (!result.ok) {
    const { status, error, retryAfterS } = wireError(result.failure)
    console.warn(`[auth] token refused: ${result.failure}`)
    return json(res, status, { error }, retryAfterS ? { 'retry-after': String(retryAfterS) } : {})
  }
  const { sub, sid, roles, exp } = result.claims
  return json(res, 200, { userId: sub, sessionId: sid, roles, expiresAt: exp * 1000 })
})

server.listen(Number(env.PORT ?? 3006), env.HOST ?? '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`listening on ${typeof address === 'object' && address ? address.port : address}\n`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    keys.close()
    server.close()
  })
