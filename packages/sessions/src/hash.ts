import { createHash } from 'node:crypto'

/** SHA-256 of a secret (ticket, refresh token) as base64url: what the store keeps instead of the secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url')
}
