/**
 * Baseline 3: what a team would otherwise pick — Socket.IO 4 with a JWT middleware (the verifier of
 * `@portcullis/tokens` over the same JWKS: the same ES256 key and claim checks as Portcullis) and the Redis
 * adapter, so a publish reaches every instance. Websocket transport only (no long-polling upgrade dance).
 * Env: PORT, REDIS_URL, JWKS_URL, JWT_ISSUER, JWT_AUDIENCE; TLS_CERT_FILE + TLS_KEY_FILE serve `wss://`.
 */
import { createAdapter } from '@socket.io/redis-adapter'
import { createJwksSource, createVerifier } from '@portcullis/tokens'
import { createClient } from 'redis'
import { Server } from 'socket.io'
import { envPort, listenServer } from './hub.ts'

const env = (name: string): string => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

const keys = createJwksSource({ url: env('JWKS_URL') })
const verifier = createVerifier({ issuer: env('JWT_ISSUER'), audience: env('JWT_AUDIENCE'), keys })
if (!(await keys.whenReady(5000))) throw new Error('JWKS not reachable')

const pub = createClient({ url: env('REDIS_URL') })
const sub = pub.duplicate()
pub.on('error', () => {})
sub.on('error', () => {})
await Promise.all([pub.connect(), sub.connect()])

const http = listenServer()
const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 16 * 1024,
})
io.adapter(createAdapter(pub, sub))

io.use((socket, next) => {
  const token: unknown = (socket.handshake.auth as { token?: unknown }).token
  void verifier.verify(token).then((result) => {
    if (!result.ok) return next(new Error('unauthorized'))
    socket.data.userId = result.claims.sub
    next()
  })
})

let messageSeq = 0
io.on('connection', (socket) => {
  socket.on('echo', (data: unknown, ack: unknown) => {
    if (typeof ack === 'function') ack(data)
  })
  socket.on('subscribe', (channel: unknown, ack: unknown) => {
    if (typeof channel === 'string') void socket.join(channel)
    if (typeof ack === 'function') ack()
  })
  socket.on('publish', (channel: unknown, text: unknown, ack: unknown) => {
    if (typeof channel !== 'string') return
    const messageId = `${process.pid}-${++messageSeq}`
    io.to(channel).emit('message', {
      channel,
      messageId,
      from: { id: socket.data.userId },
      text,
      ts: Date.now(),
    })
    if (typeof ack === 'function') ack({ messageId })
  })
})

http.listen(envPort(), '127.0.0.1', () => process.send?.({ ready: true }))
process.on('SIGTERM', () => {
  void io.close()
  void Promise.allSettled([pub.quit(), sub.quit()]).then(() => process.exit(0))
})
