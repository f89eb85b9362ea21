// Valid and invalid examples of every message. Each invalid one breaks exactly one rule.
const long = (n: number) => 'x'.repeat(n)

export const validClient: Record<string, unknown[]> = {
  ping: [
    { type: 'ping', id: '1' },
    { type: 'ping', id: long(64) },
  ],
  subscribe: [
    { type: 'subscribe', id: 'a', channel: 'public:lobby' },
    { type: 'subscribe', id: 'a', channel: 'admin:ops' },
    { type: 'subscribe', id: 'a', channel: 'user:u_alice-1' },
  ],
  unsubscribe: [{ type: 'unsubscribe', id: 'a', channel: 'public:lobby' }],
  publish: [
    { type: 'publish', id: 'a', channel: 'public:lobby', text: 'hi' },
    { type: 'publish', id: 'a', channel: 'public:lobby', text: '<img src=x onerror=alert(1)>' },
    { type: 'publish', id: 'a', channel: 'public:lobby', text: '😀'.repeat(2000) },
  ],
  'auth.refresh': [{ type: 'auth.refresh', id: 'r', accessToken: 'eyJ.eyJ.sig' }],
}

export const invalidClient: Record<string, unknown[]> = {
  ping: [
    { type: 'ping' },
    { type: 'ping', id: '' },
    { type: 'ping', id: long(65) },
    { type: 'ping', id: 1 },
    { type: 'ping', id: '1', extra: true },
  ],
  subscribe: [
    { type: 'subscribe', id: 'a' },
    { type: 'subscribe', id: 'a', channel: 'lobby' },
    { type: 'subscribe', id: 'a', channel: 'public:Lobby' },
    { type: 'subscribe', id: 'a', channel: 'private:x' },
    { type: 'subscribe', id: 'a', channel: `public:${long(65)}` },
    { type: 'subscribe', id: 'a', channel: 'public:lobby', extra: 1 },
  ],
  unsubscribe: [{ type: 'unsubscribe', id: 'a', channel: 'public:' }],
  publish: [
    { type: 'publish', id: 'a', channel: 'public:lobby', text: '' },
    { type: 'publish', id: 'a', channel: 'public:lobby' },
    { type: 'publish', id: 'a', channel: 'public:lobby', text: 'x'.repeat(2001) },
    { type: 'publish', id: 'a', channel: 'public:lobby', text: '😀'.repeat(2001) },
    { type: 'publish', id: 'a', channel: 'public:lobby', text: 5 },
    { type: 'publish', id: 'a', channel: 'public:lobby', text: 'hi', from: { id: 'admin' } },
  ],
  'auth.refresh': [
    { type: 'auth.refresh', id: 'r' },
    { type: 'auth.refresh', id: 'r', accessToken: '' },
  ],
}

const user = { id: 'u_alice', username: 'alice', roles: ['user'] }
const limits = { maxMessageBytes: 16384, msgRatePerS: 20, msgBurst: 40, idleTimeoutMs: 300000 }

export const validServer: Record<string, unknown[]> = {
  welcome: [{ type: 'welcome', connectionId: 'c1', user, expiresAt: 1_800_000_000_000, limits }],
  pong: [{ type: 'pong', id: '1' }],
  subscribed: [{ type: 'subscribed', id: '1', channel: 'public:lobby' }],
  unsubscribed: [
    { type: 'unsubscribed', id: '1', channel: 'public:lobby', reason: 'requested' },
    { type: 'unsubscribed', channel: 'admin:ops', reason: 'forbidden' },
  ],
  published: [{ type: 'published', id: '1', channel: 'public:lobby', messageId: 'm1' }],
  'auth.refreshed': [{ type: 'auth.refreshed', id: '1', expiresAt: 1_800_000_000_000 }],
  message: [
    {
      type: 'message',
      channel: 'public:lobby',
      messageId: 'm1',
      from: { id: 'u_bob', username: 'bob' },
      text: 'hello',
      ts: 1_800_000_000_000,
    },
  ],
  'auth.expiring': [{ type: 'auth.expiring', expiresAt: 1_800_000_000_000 }],
  'session.updated': [{ type: 'session.updated', roles: ['user', 'admin'] }],
  error: [
    { type: 'error', id: '1', code: 'rate_limited', message: 'slow down', retryAfterMs: 50 },
    { type: 'error', code: 'invalid_message', message: 'frame is not valid JSON' },
  ],
}

export const invalidServer: Record<string, unknown[]> = {
  welcome: [
    { type: 'welcome', connectionId: 'c1', user, expiresAt: 1, limits: { ...limits, extra: 1 } },
    { type: 'welcome', connectionId: 'c1', user: { ...user, roles: ['root'] }, expiresAt: 1, limits },
  ],
  pong: [{ type: 'pong' }],
  subscribed: [{ type: 'subscribed', id: '1' }],
  unsubscribed: [{ type: 'unsubscribed', id: '1', channel: 'public:lobby', reason: 'kicked' }],
  published: [{ type: 'published', id: '1', channel: 'public:lobby' }],
  'auth.refreshed': [{ type: 'auth.refreshed', id: '1', expiresAt: -1 }],
  message: [{ type: 'message', channel: 'public:lobby', messageId: 'm1', text: 'x', ts: 1 }],
  'auth.expiring': [{ type: 'auth.expiring', expiresAt: 1.5 }],
  'session.updated': [{ type: 'session.updated', roles: 'admin' }],
  error: [
    { type: 'error', code: 'no_such_code', message: 'x' },
    { type: 'error', code: 'forbidden', message: 'x', retryAfterMs: -5 },
  ],
}
