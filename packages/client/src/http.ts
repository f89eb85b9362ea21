import type { Role } from '@portcullis/protocol'
import { PortcullisError, codeForStatus, parseRetryAfter } from './errors.ts'

/** The authenticated user as the api returns it. */
export interface UserInfo {
  readonly id: string
  readonly username: string
  readonly roles: readonly Role[]
}

/** A token pair from `login` or `refresh`. The refresh token rotates on every refresh. */
export interface TokenPair {
  readonly accessToken: string
  readonly refreshToken: string
  /** Lifetime of the access token, seconds. */
  readonly expiresIn: number
  readonly sessionId?: string
  readonly user?: UserInfo
}

/** The `login` reply: a token pair plus the session and the user. */
/** What `exchange` sends: the provider's token, its RFC 8693 type, and the nonce of the sign-in that got it. */
export interface ExchangeRequest {
  /** The identity provider's ID token (or JWT access token). */
  readonly subjectToken: string
  /** Default `urn:ietf:params:oauth:token-type:id_token`. */
  readonly subjectTokenType?:
    'urn:ietf:params:oauth:token-type:id_token' | 'urn:ietf:params:oauth:token-type:access_token'
  /** The `nonce` of the authentication request: the api checks the ID token holds exactly it. */
  readonly nonce?: string
}

export interface LoginReply extends TokenPair {
  readonly sessionId: string
  readonly user: UserInfo
}

/** A single-use WebSocket ticket. */
export interface Ticket {
  readonly ticket: string
  /** Seconds until the ticket expires unused. */
  readonly expiresIn: number
}

/** A live session as the api's admin listing shows it (`listSessions`). Times are epoch ms. */
export interface AdminSession {
  readonly sessionId: string
  /** Its user, with the roles the session store holds now. */
  readonly user: UserInfo
  /** Login time. */
  readonly createdAt: number
  /** The login or the latest refresh. */
  readonly refreshedAt: number
  /** Open WebSockets of the session on every realtime instance. */
  readonly connections: number
}

/** One page of a listing; pass `nextCursor` as `cursor` for the next one (null: this is the last). */
export interface AdminPage {
  readonly nextCursor: string | null
}

/** Which page of a listing (`limit` 1–100, default 50). */
export interface AdminPageQuery {
  readonly cursor?: string
  readonly limit?: number
}

/** Options of the HTTP half of the SDK. */
export interface HttpOptions {
  /** Base URL of the api, e.g. `http://localhost:3001` (no trailing slash needed). */
  readonly apiUrl: string
  /** `fetch` to use. Default: the global `fetch`. */
  readonly fetch?: typeof fetch
  /**
   * Called before every HTTP call; a returned W3C `traceparent` value is sent as that header, so a trace
   * continues from the caller through the api (and, for the ticket call, into the socket's upgrade span).
   */
  readonly traceparent?: () => string | undefined
  /** Abort an HTTP call after this long (ms). Default 10000. */
  readonly httpTimeoutMs?: number
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

/**
 * Thin typed wrapper of the api's routes. Stateless: tokens are passed in; `Session` owns them.
 * Errors are `PortcullisError`s whose messages never contain a token or password.
 */
export class ApiClient {
  readonly #apiUrl: string
  readonly #fetch: typeof fetch
  readonly #traceparent: (() => string | undefined) | undefined
  readonly #timeoutMs: number

  constructor(options: HttpOptions) {
    this.#apiUrl = options.apiUrl.replace(/\/+$/, '')
    // Bound: a browser's fetch throws "Illegal invocation" when called as a method of another object.
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.#traceparent = options.traceparent
    this.#timeoutMs = options.httpTimeoutMs ?? 10_000
  }

  /** `POST /v1/auth/login`. A 401 becomes `invalid_credentials`. */
  async login(username: string, password: string): Promise<LoginReply> {
    return await this.#call<LoginReply>('POST', '/v1/auth/login', {
      body: { username, password },
      login: true,
    })
  }

  /**
   * `POST /v1/auth/exchange`: a token of the api's identity provider (an ID token by default) for a session, with
   * the same reply as login. A 401 (`invalid_subject_token`) becomes `invalid_credentials`.
   */
  async exchange(request: ExchangeRequest): Promise<LoginReply> {
    return await this.#call<LoginReply>('POST', '/v1/auth/exchange', {
      body: {
        subjectToken: request.subjectToken,
        subjectTokenType: request.subjectTokenType ?? 'urn:ietf:params:oauth:token-type:id_token',
        ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
      },
      login: true,
    })
  }

  /** `POST /v1/auth/refresh`: a new pair; the old refresh token is spent. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    return await this.#call<TokenPair>('POST', '/v1/auth/refresh', { body: { refreshToken } })
  }

  /** `POST /v1/auth/logout`: revokes the session and closes its sockets. */
  async logout(accessToken: string): Promise<void> {
    await this.#call<void>('POST', '/v1/auth/logout', { token: accessToken })
  }

  /** `POST /v1/auth/ws-ticket`: a fresh single-use ticket, bound to the session (and this page's Origin). */
  async wsTicket(accessToken: string): Promise<Ticket> {
    return await this.#call<Ticket>('POST', '/v1/auth/ws-ticket', { token: accessToken })
  }

  /** `PUT /v1/admin/users/:userId/roles` (role `admin`). */
  async setRoles(
    accessToken: string,
    userId: string,
    roles: readonly Role[],
  ): Promise<{ userId: string; roles: Role[] }> {
    const path = `/v1/admin/users/${encodeURIComponent(userId)}/roles`
    return await this.#call('PUT', path, { token: accessToken, body: { roles } })
  }

  /**
   * `GET /v1/admin/sessions` (role `admin`): live sessions, newest first, one page at a time; `userId` keeps one
   * user's.
   * @example const { sessions, nextCursor } = await client.api.listSessions(client.accessToken(), { userId })
   */
  async listSessions(
    accessToken: string,
    query: AdminPageQuery & { readonly userId?: string } = {},
  ): Promise<AdminPage & { readonly sessions: AdminSession[] }> {
    return await this.#call('GET', `/v1/admin/sessions${queryString(query)}`, { token: accessToken })
  }

  /** `GET /v1/admin/users` (role `admin`): the api's accounts by id, with their current roles, one page at a time. */
  async listUsers(
    accessToken: string,
    query: AdminPageQuery = {},
  ): Promise<AdminPage & { readonly users: UserInfo[] }> {
    return await this.#call('GET', `/v1/admin/users${queryString(query)}`, { token: accessToken })
  }

  /** `DELETE /v1/admin/sessions/:sessionId` (role `admin`). */
  async revokeSession(accessToken: string, sessionId: string): Promise<void> {
    await this.#call<void>('DELETE', `/v1/admin/sessions/${encodeURIComponent(sessionId)}`, {
      token: accessToken,
    })
  }

  /** `DELETE /v1/admin/users/:userId/sessions` (role `admin`): every session of the user. */
  async revokeUserSessions(accessToken: string, userId: string): Promise<void> {
    const path = `/v1/admin/users/${encodeURIComponent(userId)}/sessions`
    await this.#call<void>('DELETE', path, { token: accessToken })
  }

  async #call<T>(
    method: Method,
    path: string,
    options: { token?: string; body?: unknown; login?: boolean },
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
    const traceparent = this.#traceparent?.()
    if (traceparent) headers.traceparent = traceparent

    let response: Response
    try {
      response = await this.#fetch(`${this.#apiUrl}${path}`, {
        method,
        headers,
        // Tokens travel in headers and bodies only; no cookies are needed or sent.
        credentials: 'omit',
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      })
    } catch (cause) {
      const timedOut = cause instanceof DOMException && cause.name === 'TimeoutError'
      throw new PortcullisError(
        timedOut ? 'timeout' : 'network',
        timedOut
          ? `${method} ${path}: no answer within ${this.#timeoutMs} ms`
          : `${method} ${path}: network error, or (in a browser) the api does not allow this origin (CORS)`,
        { source: 'http', cause },
      )
    }
    if (response.ok) {
      if (response.status === 204) return undefined as T
      try {
        return (await response.json()) as T
      } catch (cause) {
        throw new PortcullisError('server_error', `${method} ${path}: reply is not JSON`, {
          source: 'http',
          status: response.status,
          cause,
        })
      }
    }
    throw await httpError(response, method, path, options.login === true)
  }
}

/** `?a=1&b=2` of the string and number values, or '' when there are none. */
function queryString(query: object): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query))
    if (typeof value === 'string' || typeof value === 'number') params.set(key, String(value))
  const text = params.toString()
  return text ? `?${text}` : ''
}

async function httpError(
  response: Response,
  method: string,
  path: string,
  login: boolean,
): Promise<PortcullisError> {
  let detail = ''
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown }
    // The api's error bodies never hold secrets (docs/reference/http-api.md); still cap what we repeat.
    const text =
      typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : ''
    detail = text.slice(0, 200)
  } catch {
    // Not JSON: the status says enough.
  }
  const status = response.status
  const code = login && status === 401 ? 'invalid_credentials' : codeForStatus(status)
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
  const message = `${method} ${path}: HTTP ${status}${detail ? ` (${detail})` : ''}`
  return new PortcullisError(code, message, {
    source: 'http',
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
}
