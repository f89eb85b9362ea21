/**
 * Baseline 1: a raw `ws` server (the limit). Env: PORT; TLS_CERT_FILE + TLS_KEY_FILE serve `wss://` (the `wss`
 * scenario). Sends `{ ready: true }` over IPC when listening.
 */
import { WebSocketServer } from 'ws'
import { createHub, envPort, listenServer } from './hub.ts'

const hub = createHub()
const server = listenServer()
const wss = new WebSocketServer({ server, path: '/v1/ws', perMessageDeflate: false, maxPayload: 16 * 1024 })
wss.on('connection', (socket) => hub.attach(socket))
server.listen(envPort(), '127.0.0.1', () => process.send?.({ ready: true }))
process.on('SIGTERM', () => wss.close(() => server.close(() => process.exit(0))))
