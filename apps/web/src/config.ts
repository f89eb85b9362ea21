import { DEFAULT_API_URL, DEFAULT_REALTIME_URL } from './defaults.ts'

/** Where the demo finds the stack; set at build/dev time through `VITE_API_URL` / `VITE_REALTIME_URL`. */
export const config = {
  apiUrl: import.meta.env.VITE_API_URL ?? DEFAULT_API_URL,
  realtimeUrl: import.meta.env.VITE_REALTIME_URL ?? DEFAULT_REALTIME_URL,
  /** The identity provider of "Sign in with OpenID Connect" (`VITE_OIDC_ISSUER`, `VITE_OIDC_CLIENT_ID`), or null. */
  oidc:
    import.meta.env.VITE_OIDC_ISSUER && import.meta.env.VITE_OIDC_CLIENT_ID
      ? { issuer: import.meta.env.VITE_OIDC_ISSUER, clientId: import.meta.env.VITE_OIDC_CLIENT_ID }
      : null,
} as const

/** The demo users the api seeds outside production (docs/reference/configuration.md `DEMO_USERS`; ids from apps/api's demo directory). */
export const DEMO_USERS = [
  { id: 'u_alice', username: 'alice', password: 'alice-password' },
  { id: 'u_bob', username: 'bob', password: 'bob-password' },
  { id: 'u_admin', username: 'admin', password: 'admin-password' },
] as const

/** The rooms every user sees; `admin:ops` only with role `admin`, `user:<id>` is the direct-message inbox. */
export const LOBBY = 'public:lobby'
export const ADMIN_ROOM = 'admin:ops'
