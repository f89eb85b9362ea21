/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the api (default `http://localhost:3001`). */
  readonly VITE_API_URL?: string
  /** Base URL of the realtime server (default `ws://localhost:3002`). */
  readonly VITE_REALTIME_URL?: string
}
