// Your own Fastify service accepting Portcullis access tokens: @fastify/jwt, configured by @portcullis/tokens.
// Guide: docs/guides/verify-tokens.md. Run it next to `pnpm dev` (after `npm install @portcullis/tokens fastify
// @fastify/jwt`):
//   JWKS_URL=http://localhost:3001/.well-known/jwks.json node fastify-service.ts
// then `curl -H "Authorization: Bearer $ACCESS_TOKEN" localhost:3005/me`.
// Settings: JWKS_URL, JWT_ISSUER (default portcullis-api), JWT_AUDIENCE (default portcullis), HOST, PORT (3005).
import fastifyJwt from '@fastify/jwt'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { createJwksSource, createVerifier, tokenFailureOf, wireError } from '@portcullis/tokens'
import { fastifyJwtOptions } from '@portcullis/tokens/fastify'

const env = process.env
// One key source per process: it fetches the api's JWKS at once, refreshes it, and survives api outages.
const keys = createJwksSource({ url: env.JWKS_URL ?? 'http://localhost:3001/.well-known/jwks.json' })
const verifier = createVerifier({
  issuer: env.JWT_ISSUER ?? 'portcullis-api',
  audience: env.JWT_AUDIENCE ?? 'portcullis',
  keys,
})

const app = Fastify({ logger: { level: env.LOG_LEVEL ?? 'info' } })
keys.on('fetchFailed', ({ error, retryInMs }) =>
  app.log.warn({ reason: error.reason, retryInMs }, error.message),
)
app.addHook('onClose', async () => keys.close())
await app.register(fastifyJwt, fastifyJwtOptions(verifier))

/** 401 for a missing, invalid or expired token; 503 while the api's keys cannot be had. */
async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  try {
    await request.jwtVerify()
  } catch (err) {
    const failure = tokenFailureOf(err)
    if (!failure) throw err
    const { status, error, retryAfterS } = wireError(failure)
    // The finer reason goes to your log, never to the client (and never the token).
    request.log.info({ event: 'auth.token.rejected', reason: failure }, 'token refused')
    if (retryAfterS) void reply.header('retry-after', retryAfterS)
    return reply.code(status).send({ error })
  }
}

// 503 until the keys are in: a load balancer sends no traffic before the service can verify.
app.get('/readyz', async (_request, reply) => reply.code(keys.ready ? 200 : 503).send({ ready: keys.ready }))

app.get('/me', { onRequest: authenticate }, async (request) => {
  const { sub, sid, roles, exp } = request.user.claims
  // `roles` is what the user held when the token was issued: informational. Ask the api for anything that matters.
  return { userId: sub, sessionId: sid, roles, expiresAt: exp * 1000 }
})

await app.listen({ host: env.HOST ?? '127.0.0.1', port: Number(env.PORT ?? 3005) })
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close())
