import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Path the server answers on (the api's). */
export const JWKS_PATH = '/.well-known/jwks.json'

/**
 * A JWKS endpoint on loopback for tests and the bench, with the failure modes a key source must survive:
 * `down()`/`up()` (connection refused, same port), `status`, `maxAgeS`, `delayMs`, or any `respond` override.
 */
export class JwksServer {
  /** `http://127.0.0.1:<port>/.well-known/jwks.json` */
  readonly url: string
  /** Requests answered so far (any path). */
  requests = 0
  /** `Cache-Control: max-age` sent with the document; null sends none. */
  maxAgeS: number | null = null
  /** Status of the answer (the document is sent only with 200). */
  status = 200
  /** Wait this long before answering, ms. */
  delayMs = 0
  /** Answers instead of the default handler when set (redirects, oversized or broken bodies …). */
  respond: ((req: IncomingMessage, res: ServerResponse) => void) | null = null
  readonly #server: Server
  readonly #port: number

  private constructor(server: Server, port: number) {
    this.#server = server
    this.#port = port
    this.url = `http://127.0.0.1:${port}${JWKS_PATH}`
  }

  /** Starts serving `jwks()` (read at every request) on `port` (default: a free one). */
  static async start(jwks: () => unknown, options: { port?: number } = {}): Promise<JwksServer> {
    let self: JwksServer | undefined
    const server = createServer((req, res) => {
      if (self) self.#handle(jwks, req, res)
    })
    await listen(server, options.port ?? 0)
    self = new JwksServer(server, (server.address() as AddressInfo).port)
    return self
  }

  /**
   * A server that is NOT listening yet on a port that was free a moment ago (`up()` starts it): the cold start
   * of a verifier that comes up before the api.
   */
  static async reserve(jwks: () => unknown): Promise<JwksServer> {
    const server = await JwksServer.start(jwks)
    await server.down()
    return server
  }

  #handle(jwks: () => unknown, req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1
    const answer = () => {
      if (this.respond) return this.respond(req, res)
      if (req.url !== JWKS_PATH) return res.writeHead(404).end()
      if (this.status !== 200) return res.writeHead(this.status).end()
      const headers: Record<string, string> = { 'content-type': 'application/jwk-set+json' }
      if (this.maxAgeS !== null) headers['cache-control'] = `public, max-age=${this.maxAgeS}`
      res.writeHead(200, headers).end(JSON.stringify(jwks()))
    }
    if (this.delayMs > 0) setTimeout(answer, this.delayMs)
    else answer()
  }

  /** Stops listening and drops open connections: fetches now fail with a refused connection. */
  async down(): Promise<void> {
    if (!this.#server.listening) return
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#server.closeAllConnections()
    await closed
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    if (!this.#server.listening) await listen(this.#server, this.#port)
  }

  async close(): Promise<void> {
    await this.down()
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/**
 * Serves a JWKS on loopback.
 * @example
 * const jwks = await serveJwks(() => tokens.jwks())
 * const keys = createJwksSource({ url: jwks.url })
 * onTestFinished(() => jwks.close())
 */
export function serveJwks(jwks: () => unknown, options: { port?: number } = {}): Promise<JwksServer> {
  return JwksServer.start(jwks, options)
}
