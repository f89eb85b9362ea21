/** What a redacted credential reads as in reports. */
export const REDACTED = '[redacted]'

/** Shortest string registered as a secret: shorter ones would scrub ordinary words out of the report. */
const MIN_SECRET_LENGTH = 6

/**
 * Credential shapes scrubbed even when nobody registered them: JWTs (three base64url parts, the first a JSON
 * header), bearer values, the bearer subprotocol entry, and credential query parameters.
 */
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g, REDACTED],
  // A credential has a digit or punctuation in it; prose after "Bearer" ("the bearer subprotocol") does not.
  [/(Bearer\s+)(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}/g, `$1${REDACTED}`],
  [/(portcullis\.bearer\.)[A-Za-z0-9._~+/=-]{8,}/g, `$1${REDACTED}`],
  [/([?&](?:ticket|access_token|refresh_token|token)=)[A-Za-z0-9._~+/=%-]{8,}/gi, `$1${REDACTED}`],
  [/("(?:password|accessToken|refreshToken|ticket|subjectToken)"\s*:\s*")[^"]*/g, `$1${REDACTED}`],
]

/**
 * Every credential a run handles (passwords, access and refresh tokens, tickets, forged tokens), so that no
 * report, progress line or error message ever shows one: `scrub` replaces each, longest first, then the
 * patterns above. The HTTP layer registers credentials from responses itself, so a case cannot forget one.
 * @example const secrets = new SecretRegistry(); secrets.add(password); print(secrets.scrub(text))
 */
export class SecretRegistry {
  readonly #values = new Set<string>()
  #sorted: string[] | null = null

  /** Registers a credential (ignored when empty or too short to scrub safely). */
  add(value: string | undefined | null): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.#values.has(value)) return
    this.#values.add(value)
    // Its URL-encoded and JSON-escaped forms show up in URLs and in JSON reports.
    for (const form of [encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])
      if (form !== value) this.#values.add(form)
    this.#sorted = null
  }

  /** Every registered value (for tests that prove the report holds none of them). */
  values(): readonly string[] {
    return [...this.#values]
  }

  get size(): number {
    return this.#values.size
  }

  /** `text` with every registered credential and credential-shaped string replaced by `[redacted]`. */
  scrub(text: string): string {
    this.#sorted ??= [...this.#values].toSorted((a, b) => b.length - a.length)
    let out = text
    for (const value of this.#sorted) if (out.includes(value)) out = out.split(value).join(REDACTED)
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement)
    return out
  }

  /** A deep copy of `value` with every string scrubbed (for results handed to callers). */
  scrubDeep<T>(value: T): T {
    return JSON.parse(this.scrub(JSON.stringify(value))) as T
  }
}
