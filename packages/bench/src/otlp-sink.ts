import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A stand-in OTLP/HTTP collector on loopback: accepts every export (200, empty body = a valid empty response for
 * both protobuf and JSON) and counts requests and bytes. The realtime server then pays the whole cost of tracing
 * (spans, batching, serialisation, export) without a collector competing for the 2 cores.
 */
export async function startOtlpSink(): Promise<{
  endpoint: string
  stats(): { requests: number; bytes: number }
  close(): Promise<void>
}> {
  let requests = 0
  let bytes = 0
  const server = createServer((req, res) => {
    requests++
    req.on('data', (chunk: Buffer) => (bytes += chunk.length))
    req.on('end', () => {
      res.statusCode = 200
      res.setHeader('content-type', req.headers['content-type'] ?? 'application/x-protobuf')
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => ({ requests, bytes }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
