import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { WebSocket } from 'ws'

/**
 * The minimal message handling shared by the raw `ws` and bare `@fastify/websocket` baselines: the floor a
 * WebSocket server cannot go below. A `ping` frame is echoed verbatim without parsing (the raw limit);
 * `subscribe` and `publish` are parsed and fanned out to the channel's sockets in this process only.
 * No auth, no validation, no limits: that is the point of a baseline.
 */
export interface Hub {
  attach(socket: WebSocket): void
}

const PING_PREFIX = Buffer.from('{"type":"ping"')

interface Frame {
  type?: unknown
  id?: unknown
  channel?: unknown
  text?: unknown
}

/** Creates the echo/broadcast hub of one baseline server process. */
export function createHub(): Hub {
  const channels = new Map<string, Set<WebSocket>>()
  let messageSeq = 0

  function onFrame(socket: WebSocket, data: Buffer, subscribed: Set<string>): void {
    if (data.length >= PING_PREFIX.length && data.subarray(0, PING_PREFIX.length).equals(PING_PREFIX)) {
      socket.send(data, { binary: false })
      return
    }
    let frame: Frame
    try {
      frame = JSON.parse(data.toString()) as Frame
    } catch {
      return
    }
    const channel = typeof frame.channel === 'string' ? frame.channel : ''
    if (frame.type === 'subscribe') {
      let set = channels.get(channel)
      if (!set) channels.set(channel, (set = new Set()))
      set.add(socket)
      subscribed.add(channel)
      socket.send(JSON.stringify({ type: 'subscribed', id: frame.id, channel }))
    } else if (frame.type === 'publish') {
      const messageId = String(++messageSeq)
      // Encoded once for every peer: the cheapest fan-out `ws` allows without reaching into its framing.
      const out = Buffer.from(
        JSON.stringify({ type: 'message', channel, messageId, text: frame.text, ts: Date.now() }),
      )
      for (const peer of channels.get(channel) ?? []) peer.send(out, { binary: false })
      socket.send(JSON.stringify({ type: 'published', id: frame.id, channel, messageId }))
    }
  }

  return {
    attach(socket) {
      const subscribed = new Set<string>()
      socket.on('message', (data: Buffer) => onFrame(socket, data, subscribed))
      socket.on('close', () => {
        for (const channel of subscribed) channels.get(channel)?.delete(socket)
      })
      socket.on('error', () => socket.terminate())
    },
  }
}

/** Reads a required numeric env var (the bench passes every setting by env, like the real apps). */
export function envPort(name = 'PORT'): number {
  const port = Number(process.env[name])
  if (!Number.isInteger(port) || port <= 0) throw new Error(`${name} must be a port number`)
  return port
}

/**
 * The HTTP server a baseline listens on: HTTPS when `TLS_CERT_FILE` and `TLS_KEY_FILE` are set (the same
 * variables `apps/realtime` reads), so the `wss` scenario compares TLS servers configured alike.
 */
export function listenServer(): Server | HttpsServer {
  const cert = process.env.TLS_CERT_FILE
  const key = process.env.TLS_KEY_FILE
  return cert && key
    ? createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) })
    : createHttpServer()
}
