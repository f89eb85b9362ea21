/** Baseline 1: a raw `ws` server (the limit). Env: PORT. Sends `{ ready: true }` over IPC when listening. */
import { WebSocketServer } from 'ws'
import { createHub, envPort } from './hub.ts'

const hub = createHub()
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: envPort(),
  path: '/v1/ws',
  perMessageDeflate: false,
  maxPayload: 16 * 1024,
})
wss.on('connection', (socket) => hub.attach(socket))
wss.on('listening', () => process.send?.({ ready: true }))
process.on('SIGTERM', () => wss.close(() => process.exit(0)))
