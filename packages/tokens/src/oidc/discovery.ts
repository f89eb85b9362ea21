import { ASYMMETRIC_ALGS, type AsymmetricAlg } from '../defaults.ts'
import { fetchJsonObject, JwksFetchError, type JwksFetchFailure } from '../jwks/fetch.ts'

/** What Portcullis reads of a provider's discovery document (OpenID Connect Discovery 1.0 §3). */
export interface ProviderMetadata {
  readonly issuer: string
  readonly jwksUri: string
  /** `id_token_signing_alg_values_supported` within `ASYMMETRIC_ALGS` (RS256 when the document names none). */
  readonly algorithms: readonly AsymmetricAlg[]
  readonly authorizationEndpoint: string | undefined
  readonly tokenEndpoint: string | undefined
}

/** A failed discovery. The message is safe to log: it never contains the response body. */
export class ProviderDiscoveryError extends Error {
  readonly code = 'TOKENS_ERR_OIDC_DISCOVERY'
  readonly reason: JwksFetchFailure
  constructor(reason: JwksFetchFailure, message: string, options?: { cause?: unknown }) {
    super(`OpenID Connect discovery failed (${reason}): ${message}`, options)
    this.name = 'ProviderDiscoveryError'
    this.reason = reason
  }
}

/** The discovery document's URL of an issuer (Discovery §4: the issuer, a slash, `.well-known/openid-configuration`). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
}

const invalid = (message: string) => new ProviderDiscoveryError('invalid', message)

function absoluteUrl(value: unknown, name: string): URL {
  if (typeof value !== 'string') throw invalid(`${name} is missing`)
  const url = URL.parse(value)
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw invalid(`${name} is not an http(s) URL`)
  return url
}

/**
 * Fetches and checks an issuer's discovery document, with the safeguards of a JWKS fetch (timeout over the whole
 * exchange, body cap, no redirects). Refused: an `issuer` that is not exactly the configured one (Discovery §4.3:
 * it would let one provider speak for another), a `jwks_uri` over plaintext when the issuer is https, and a
 * provider whose ID-token algorithms are all symmetric or `none`.
 * @throws ProviderDiscoveryError
 * @example const meta = await discoverProvider('https://id.example.com', { timeoutMs: 2000, maxBytes: 65536 })
 */
export async function discoverProvider(
  issuer: string,
  options: { timeoutMs: number; maxBytes: number; signal?: AbortSignal },
): Promise<ProviderMetadata> {
  let doc: Record<string, unknown>
  try {
    ;({ doc } = await fetchJsonObject(discoveryUrl(issuer), { ...options, accept: 'application/json' }))
  } catch (err) {
    if (err instanceof JwksFetchError)
      throw new ProviderDiscoveryError(
        err.reason,
        err.message.replace(/^JWKS fetch failed \([a-z_]+\): /, ''),
        {
          cause: err,
        },
      )
    throw err
  }
  if (doc.issuer !== issuer) throw invalid('the document names another issuer')
  const jwks = absoluteUrl(doc.jwks_uri, 'jwks_uri')
  if (jwks.protocol === 'http:' && new URL(issuer).protocol === 'https:')
    throw invalid('jwks_uri is plaintext http for an https issuer')
  const advertised = doc.id_token_signing_alg_values_supported ?? ['RS256']
  if (!Array.isArray(advertised)) throw invalid('id_token_signing_alg_values_supported is not a list')
  const known: readonly unknown[] = ASYMMETRIC_ALGS
  const algorithms = advertised.filter((a): a is AsymmetricAlg => known.includes(a))
  if (algorithms.length === 0) throw invalid('the provider signs ID tokens with no asymmetric algorithm')
  const optional = (name: string) => (doc[name] === undefined ? undefined : absoluteUrl(doc[name], name).href)
  return {
    issuer,
    jwksUri: jwks.href,
    algorithms,
    authorizationEndpoint: optional('authorization_endpoint'),
    tokenEndpoint: optional('token_endpoint'),
  }
}
