/** Values a debug line may carry: codes, counts, states, delays — never a token, ticket, password or URL. */
export type DebugDetails = Readonly<Record<string, string | number | boolean | undefined>>

/**
 * Receives the SDK's debug lines: state changes, closes, scheduled reconnects, queued and timed-out
 * requests, liveness checks, token renewals (their reason and lifetime, never the token). Called
 * synchronously; keep it cheap.
 * @example new PortcullisClient({ apiUrl, realtimeUrl, debug: (event, details) => console.debug('[portcullis]', event, details) })
 */
export type DebugLogger = (event: string, details?: DebugDetails) => void

/** The logger used when the app gives none. */
export const silent: DebugLogger = () => {}
