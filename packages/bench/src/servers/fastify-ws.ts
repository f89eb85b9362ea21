/** Baseline 2: bare Fastify + `@fastify/websocket`, no security plugins. Env: PORT. */
import websocket from '@fastify/websocket'
import Fastify from 'fastify'
import { createHub, envPort } from './hub.ts'

const hub = createHub()
const app = Fastify({ logger: false })
await app.register(websocket, { options: { perMessageDeflate: false, maxPayload: 16 * 1024 } })
app.get('/v1/ws', { websocket: true }, (socket) => hub.attach(socket))
await app.listen({ host: '127.0.0.1', port: envPort() })
process.send?.({ ready: true })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
