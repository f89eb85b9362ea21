/**
 * A TCP proxy that delays every chunk by DELAY_MS each way (order kept: equal delays fire in order), so Redis
 * looks ≈ 2 × DELAY_MS of round trip away, as across a network. The `redis-rtt` scenario puts it between a
 * Portcullis instance and Redis. Env: PORT, UPSTREAM_PORT, DELAY_MS. Sends `{ ready: true }` over IPC.
 */
import { createConnection, createServer, type Socket } from 'node:net'
import { envPort } from './hub.ts'

const upstreamPort = envPort('UPSTREAM_PORT')
const delayMs = Number(process.env.DELAY_MS ?? '1')

function pipeDelayed(from: Socket, to: Socket): void {
  from.on('data', (chunk: Buffer) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk)
    }, delayMs)
  })
  // Close after the delayed data: the peer sees the end in order.
  from.on('end', () => setTimeout(() => to.end(), delayMs))
  from.on('error', () => to.destroy())
  from.on('close', () => setTimeout(() => to.destroy(), delayMs + 1))
}

const server = createServer((client) => {
  client.setNoDelay(true)
  const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort })
  upstream.setNoDelay(true)
  pipeDelayed(client, upstream)
  pipeDelayed(upstream, client)
})
server.listen(envPort(), '127.0.0.1', () => process.send?.({ ready: true }))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
