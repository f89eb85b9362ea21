/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the api (default `http://localhost:3001`). */
  readonly VITE_API_URL?: string
  /** Base URL of the realtime server (default `ws://localhost:3002`). */
  readonly VITE_REALTIME_URL?: string
  /** Issuer of the OpenID Connect provider the api trusts (`OIDC_ISSUER`): shows "Sign in with OpenID Connect". */
  readonly VITE_OIDC_ISSUER?: string
  /** The demo's client id at that provider (the api's `OIDC_AUDIENCE`). */
  readonly VITE_OIDC_CLIENT_ID?: string
}
