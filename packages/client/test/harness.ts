import { vi } from 'vitest'
import { PortcullisClient } from '../src/client.ts'
import type { ClientEvents, ClientOptions } from '../src/types.ts'
import { fakeFetch, fakeSockets, pair, type FakeSocket } from './fakes.ts'

// A client wired to a scripted api and hand-driven sockets, for the pure-logic tests (fake timers).

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> }

export interface SetupOverrides {
  readonly ticket?: () => Answer
  readonly refresh?: () => Answer
  readonly options?: Partial<ClientOptions>
  /** Access token lifetime of the scripted login and refresh (s). Default 300. */
  readonly expiresIn?: number
}

export function setup(overrides: SetupOverrides = {}) {
  let n = 0
  let tickets = 0
  const api = fakeFetch({
    'POST /v1/auth/login': () => ({ status: 200, body: pair(++n, overrides.expiresIn) }),
    'POST /v1/auth/refresh':
      overrides.refresh ?? (() => ({ status: 200, body: pair(++n, overrides.expiresIn) })),
    'POST /v1/auth/ws-ticket':
      overrides.ticket ?? (() => ({ status: 200, body: { ticket: `t${++tickets}`, expiresIn: 30 } })),
    'POST /v1/auth/logout': () => ({ status: 204 }),
  })
  const { sockets, create } = fakeSockets()
  const client = new PortcullisClient({
    apiUrl: 'http://api.test',
    realtimeUrl: 'ws://rt.test',
    fetch: api.fetch,
    createWebSocket: create,
    random: () => 0.5,
    backoff: { baseMs: 100, maxMs: 1000 },
    rateLimitedDelayMs: 5000,
    ...overrides.options,
  })
  const seen: Array<[keyof ClientEvents, unknown]> = []
  for (const event of [
    'state',
    'close',
    'rolesChanged',
    'loggedOut',
    'error',
    'unsubscribed',
    'expiring',
    'direct',
  ] as const) {
    client.on(event, (payload) => seen.push([event, payload]))
  }
  const states = () => seen.filter(([e]) => e === 'state').map(([, p]) => (p as { state: string }).state)
  const errors = () => seen.filter(([e]) => e === 'error').map(([, p]) => (p as { code: string }).code)
  return { client, api, sockets, seen, states, errors }
}

export type Setup = ReturnType<typeof setup>

/** Fake timers for a client test (only timers and `Date`: real I/O such as `fetch` keeps working). */
export function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
}

/** Lets pending fetches and microtasks run (fake timers do not advance real I/O). */
export async function flush(ms = 0): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}

/** Logs in, connects and answers `welcome` on the socket; returns that socket. */
export async function connected(t: Setup): Promise<FakeSocket> {
  await t.client.login('alice', 'alice-password')
  const welcome = t.client.connect()
  await flush()
  const socket = t.sockets.at(-1)!
  socket.welcome()
  await welcome
  return socket
}

/** Every frame a socket was sent, parsed. */
export function frames(socket: FakeSocket): Array<Record<string, unknown>> {
  return socket.sent.map((frame) => JSON.parse(frame) as Record<string, unknown>)
}

/** The server's reply to the last frame sent on `socket`, as `published` / `subscribed` / `pong`. */
export function reply(socket: FakeSocket, frame: Record<string, unknown> = socket.lastSent()): void {
  const id = frame.id
  if (frame.type === 'publish')
    socket.push({ type: 'published', id, channel: frame.channel, messageId: `m-${String(id)}` })
  else if (frame.type === 'subscribe') socket.push({ type: 'subscribed', id, channel: frame.channel })
  else if (frame.type === 'ping') socket.push({ type: 'pong', id })
  else throw new Error(`no scripted reply to ${String(frame.type)}`)
}
