import { createServer, connect, type Socket } from 'node:net'

/** A loopback TCP proxy in front of the realtime server that a test can cut, freeze or close to newcomers. */
export interface TcpProxy {
  /** `ws://127.0.0.1:<port>`: give it to the client as `realtimeUrl`. */
  readonly url: string
  /** Connections accepted so far (refused ones included). */
  readonly accepted: number
  /** Destroys every open connection, both sides: the network dropped (the client sees 1006). */
  cut(): void
  /** Stops forwarding on every open connection without closing it: half-open sockets. New ones still work. */
  freeze(): void
  /** While true, new connections are closed at once (the server is unreachable). */
  refuse(on: boolean): void
  close(): Promise<void>
}

interface Pair {
  readonly client: Socket
  readonly upstream: Socket
  frozen: boolean
}

/**
 * Starts a proxy to `targetUrl` (the stack's `ws://127.0.0.1:<port>`). Real sockets on both sides: what
 * the client sees after `cut()` or `freeze()` is what a dropped or half-open network connection gives it.
 */
export async function tcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl)
  const pairs = new Set<Pair>()
  let refusing = false
  let accepted = 0
  const server = createServer((client) => {
    accepted++
    if (refusing) return void client.destroy()
    const upstream = connect(Number(target.port), target.hostname)
    const pair: Pair = { client, upstream, frozen: false }
    pairs.add(pair)
    client.on('data', (chunk) => {
      if (!pair.frozen) upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (!pair.frozen) client.write(chunk)
    })
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    for (const socket of [client, upstream]) {
      socket.on('close', end)
      socket.on('error', end)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const cut = () => {
    for (const pair of pairs) {
      pair.client.destroy()
      pair.upstream.destroy()
    }
  }
  return {
    url: `ws://127.0.0.1:${port}`,
    get accepted() {
      return accepted
    },
    cut,
    freeze() {
      for (const pair of pairs) pair.frozen = true
    },
    refuse(on) {
      refusing = on
    },
    async close() {
      cut()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
