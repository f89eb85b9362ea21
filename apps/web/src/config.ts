import { DEFAULT_API_URL, DEFAULT_REALTIME_URL } from './defaults.ts'

/** Where the demo finds the stack; set at build/dev time through `VITE_API_URL` / `VITE_REALTIME_URL`. */
export const config = {
  apiUrl: import.meta.env.VITE_API_URL ?? DEFAULT_API_URL,
  realtimeUrl: import.meta.env.VITE_REALTIME_URL ?? DEFAULT_REALTIME_URL,
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
