/** Why a JWKS fetch failed. */
export type JwksFetchFailure = 'timeout' | 'network' | 'redirect' | 'status' | 'too_large' | 'invalid'

/** A failed JWKS fetch. The message is safe to log: it never contains the response body. */
export class JwksFetchError extends Error {
  readonly code = 'TOKENS_ERR_JWKS_FETCH'
  readonly reason: JwksFetchFailure
  constructor(reason: JwksFetchFailure, message: string, options?: { cause?: unknown }) {
    super(`JWKS fetch failed (${reason}): ${message}`, options)
    this.name = 'JwksFetchError'
    this.reason = reason
  }
}

export interface FetchJwksOptions {
  /** Abort the whole fetch (headers and body) after this many ms. */
  timeoutMs: number
  /** Refuse a body larger than this many bytes (read as a stream, never buffered past it). */
  maxBytes: number
  /** Aborts the fetch (the source's `close()`). */
  signal?: AbortSignal
}

/** A fetched JWKS: its `keys` entries (not yet imported) and the response's `Cache-Control` freshness. */
export interface FetchedJwks {
  keys: unknown[]
  /** `max-age` in seconds (`no-cache` / `no-store` count as 0), or undefined when the response sets none. */
  maxAgeS: number | undefined
}

/** Freshness lifetime a `Cache-Control` header grants, seconds; undefined when it says nothing about it. */
export function maxAgeOf(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined
  let maxAge: number | undefined
  for (const directive of cacheControl.toLowerCase().split(',')) {
    const [name = '', value] = directive.trim().split('=', 2)
    if (name === 'no-store' || name === 'no-cache') return 0
    if (name === 'max-age' && value !== undefined) {
      const n = Number(value.replace(/^"|"$/g, ''))
      if (Number.isInteger(n) && n >= 0) maxAge = n
    }
  }
  return maxAge
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

async function readCapped(body: ReadableStream<Uint8Array> | null, declared: number, maxBytes: number) {
  if (declared > maxBytes) {
    await body?.cancel()
    throw new JwksFetchError('too_large', `declared ${declared} bytes, limit ${maxBytes}`)
  }
  if (!body) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    // Leaving the loop cancels the stream: the rest of an oversized body is never read.
    if (size > maxBytes) throw new JwksFetchError('too_large', `more than ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

function classify(err: unknown): JwksFetchError {
  if (err instanceof JwksFetchError) return err
  const name = (err as { name?: unknown } | null)?.name
  if (name === 'TimeoutError')
    return new JwksFetchError('timeout', 'no complete answer in time', { cause: err })
  if (name === 'AbortError') return new JwksFetchError('network', 'aborted', { cause: err })
  return new JwksFetchError('network', (err as Error)?.message ?? 'request failed', { cause: err })
}

/**
 * @internal GETs a JSON object with the safeguards of every key-related fetch: no redirects (a 3xx is a failure), a
 * timeout over the whole exchange, the body read as a stream and refused past `maxBytes`, status 200, UTF-8 JSON.
 * @throws JwksFetchError
 */
export async function fetchJsonObject(
  url: string,
  options: FetchJwksOptions & { accept: string },
): Promise<{ doc: Record<string, unknown>; maxAgeS: number | undefined }> {
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout
  try {
    const res = await fetch(url, { redirect: 'manual', signal, headers: { accept: options.accept } })
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel()
      throw new JwksFetchError('redirect', `answered ${res.status}; redirects are not followed`)
    }
    if (res.status !== 200) {
      await res.body?.cancel()
      throw new JwksFetchError('status', `answered ${res.status}`)
    }
    const declared = Number(res.headers.get('content-length') ?? 0)
    const bytes = await readCapped(res.body, Number.isFinite(declared) ? declared : 0, options.maxBytes)
    let doc: unknown
    try {
      doc = JSON.parse(utf8.decode(bytes))
    } catch {
      throw new JwksFetchError('invalid', 'the body is not UTF-8 JSON')
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      throw new JwksFetchError('invalid', 'the body is not a JSON object')
    return { doc: doc as Record<string, unknown>, maxAgeS: maxAgeOf(res.headers.get('cache-control')) }
  } catch (err) {
    throw classify(err)
  }
}

/**
 * GETs a JWKS document (the safeguards of `fetchJsonObject`) and requires a `keys` array.
 * @throws JwksFetchError
 */
export async function fetchJwks(url: string, options: FetchJwksOptions): Promise<FetchedJwks> {
  const { doc, maxAgeS } = await fetchJsonObject(url, {
    ...options,
    accept: 'application/jwk-set+json, application/json',
  })
  if (!Array.isArray(doc.keys)) throw new JwksFetchError('invalid', 'the body is not a JWKS (no keys array)')
  return { keys: doc.keys, maxAgeS }
}
