import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Duplex } from 'node:stream'
import { performance } from 'node:perf_hooks'

/** How to reach the target: the client address to send from and the CAs to trust (undefined = system store). */
export interface Connection {
  readonly localAddress?: string | undefined
  readonly ca?: readonly string[] | undefined
}

/** Node connect options for `conn` (also used by the `ws` client). */
export function connectOptions(conn: Connection): Pick<RequestOptions, 'localAddress' | 'family'> & {
  ca?: string[]
} {
  return {
    ...(conn.localAddress ? { localAddress: conn.localAddress, family: 4 } : {}),
    ...(conn.ca ? { ca: [...conn.ca] } : {}),
  }
}

export type Outcome =
  | {
      readonly kind: 'response'
      readonly status: number
      readonly headers: IncomingHttpHeaders
      readonly body: string
      /** The body parsed as JSON, when it is JSON. */
      readonly json: unknown
      readonly latencyMs: number
    }
  | {
      readonly kind: 'upgrade'
      readonly status: number
      readonly headers: IncomingHttpHeaders
      /** The upgraded socket: destroyed unless `keepUpgraded` was asked for. */
      readonly socket: Duplex
      readonly latencyMs: number
    }
  | { readonly kind: 'error'; readonly code: string; readonly message: string; readonly latencyMs: number }

export interface RequestInit {
  readonly method?: string
  /** An object, or a flat `[name, value, name, value, …]` list sent exactly as given (repeats allowed). */
  readonly headers?: Record<string, string> | readonly string[]
  readonly body?: string
  readonly conn: Connection
  readonly timeoutMs?: number
  /** Hand back the socket of a 101 instead of closing it. */
  readonly keepUpgraded?: boolean
}

/** Largest body read from an answer; the rest is dropped (refusal bodies are small JSON). */
const MAX_BODY = 64 * 1024

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown
  } catch {
    return undefined
  }
}

/**
 * One HTTP/1.1 request on a fresh connection (no keep-alive, so each is a separate attempt to the server), that
 * never throws: a 101 is an `upgrade`, any other answer a `response`, and a refused, reset or timed-out connection
 * an `error` with its code.
 */
export async function send(url: string, init: RequestInit): Promise<Outcome> {
  const target = new URL(url.replace(/^ws/, 'http'))
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const headers = Array.isArray(init.headers) ? [...init.headers] : { ...init.headers }
  return await new Promise<Outcome>((resolve) => {
    let settled = false
    const done = (outcome: Outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(outcome)
    }
    const req = request(target, {
      method: init.method ?? 'GET',
      headers: headers as Record<string, string>,
      agent: false,
      ...connectOptions(init.conn),
    })
    const timer = setTimeout(() => {
      req.destroy(
        Object.assign(new Error(`no answer within ${init.timeoutMs ?? 10_000} ms`), { code: 'TIMEOUT' }),
      )
    }, init.timeoutMs ?? 10_000)
    req.on('upgrade', (res, socket) => {
      if (!init.keepUpgraded) socket.destroy()
      done({
        kind: 'upgrade',
        status: res.statusCode ?? 0,
        headers: res.headers,
        socket,
        latencyMs: elapsed(),
      })
    })
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk
      })
      const finish = () =>
        done({
          kind: 'response',
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: parseJson(body),
          latencyMs: elapsed(),
        })
      res.on('end', finish)
      res.on('error', finish)
      res.on('close', finish)
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      done({ kind: 'error', code: err.code ?? 'ERROR', message: err.message, latencyMs: elapsed() })
    })
    req.end(init.body)
  })
}
