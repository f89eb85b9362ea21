import { spawnSync } from 'node:child_process'
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { loadApiConfig } from '../../src/config.ts'
import { generatePrivateJwk, jwksDocument, keySetFromJwks } from '../../src/keys/keyset.ts'
import { loadKeySet } from '../../src/keys/load.ts'
import { buildTestApp, loginAs } from '../helper.ts'

const server = fileURLToPath(new URL('../../src/server.ts', import.meta.url))

/** Verifies a compact JWS with node:crypto alone, against a JWK from the published JWKS. */
function verifyWithJwks(token: string, jwks: { keys: Array<Record<string, unknown>> }): boolean {
  const [h, p, s] = token.split('.') as [string, string, string]
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string; alg: string }
  const jwk = jwks.keys.find((k) => k.kid === header.kid)
  if (!jwk) return false
  const key = createPublicKey({ key: jwk as never, format: 'jwk' })
  const data = Buffer.from(`${h}.${p}`)
  const sig = Buffer.from(s, 'base64url')
  return header.alg === 'ES256'
    ? verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)
    : verify(null, data, key, sig)
}

describe('key set', () => {
  it('publishes public keys only, with cache headers, and they verify issued tokens', async () => {
    const { app } = await buildTestApp()
    const res = await app.inject('/.well-known/jwks.json')
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('public, max-age=300')
    const jwks = res.json<{ keys: Array<Record<string, unknown>> }>()
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(jwks.keys[0]).not.toHaveProperty('d')
    const { accessToken } = await loginAs(app, 'alice')
    expect(verifyWithJwks(accessToken, jwks)).toBe(true)
    expect(verifyWithJwks(`${accessToken.slice(0, -4)}AAAA`, jwks)).toBe(false)
  })

  it('signs EdDSA with an Ed25519 key', async () => {
    const keys = keySetFromJwks([generatePrivateJwk('EdDSA')])
    const { app } = await buildTestApp({}, { keys })
    const { accessToken } = await loginAs(app, 'bob')
    const header = JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString()) as object
    expect(header).toMatchObject({ alg: 'EdDSA', kid: keys.current.kid })
    expect(verifyWithJwks(accessToken, jwksDocument(keys))).toBe(true)
  })

  it('rejects bad key files: public keys, RSA keys, duplicate or missing kids', () => {
    const ec = generatePrivateJwk('ES256')
    const { d: _d, ...publicOnly } = ec
    const rsa = {
      ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
      kid: 'r',
    }
    expect(() => keySetFromJwks([])).toThrow(/non-empty/)
    expect(() => keySetFromJwks([publicOnly])).toThrow(/not a private key/)
    expect(() => keySetFromJwks([rsa])).toThrow(/ES256/)
    expect(() => keySetFromJwks([ec, ec])).toThrow(/duplicate kid/)
    expect(() => keySetFromJwks([{ ...ec, kid: undefined }])).toThrow(/kid/)
    expect(() => keySetFromJwks([{ ...ec, alg: 'EdDSA' }])).toThrow(/does not match/)
  })

  it('generates development keys once (0600) and reuses them on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-keys-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const config = loadApiConfig({ DEV_KEYS_DIR: dir })
    const first = loadKeySet(config)
    const second = loadKeySet(config)
    expect(first.generated).toBe(true)
    expect(second.keys.current.kid).toBe(first.keys.current.kid)
    const file = join(dir, 'signing-keys.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(1)
  })

  it('loads SIGNING_KEYS_FILE: the first key signs, the others are published', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-keys-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'keys.json')
    const [a, b] = [generatePrivateJwk('ES256'), generatePrivateJwk('EdDSA')]
    writeFileSync(file, JSON.stringify([a, b]))
    const { keys, generated } = loadKeySet(loadApiConfig({ SIGNING_KEYS_FILE: file }))
    expect(generated).toBe(false)
    expect(keys.current.kid).toBe(a.kid)
    expect(jwksDocument(keys).keys.map((k) => k.kid)).toEqual([a.kid, b.kid])
  })

  it('a malformed SIGNING_KEYS_FILE stops start-up with one line that never echoes the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-keys-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'keys.json')
    const jwk = generatePrivateJwk('ES256')
    // A real private key with one quote missing: V8's JSON.parse error would quote the `d` around it.
    writeFileSync(file, JSON.stringify([jwk]).replace(`"d":"${jwk.d}"`, `"d":${jwk.d}"`))
    const secrets = [jwk.d!.slice(0, 8), jwk.d!.slice(4, 12)]
    let message = ''
    try {
      loadKeySet(loadApiConfig({ SIGNING_KEYS_FILE: file }))
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toMatch(/^invalid environment: SIGNING_KEYS_FILE \(.+\) is not valid JSON/)
    for (const s of secrets) expect(message).not.toContain(s)

    const run = spawnSync(process.execPath, ['--conditions=source', server], {
      env: { PATH: process.env.PATH, SIGNING_KEYS_FILE: file, API_PORT: '0' },
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(run.status).toBe(1)
    const lines = run.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/SIGNING_KEYS_FILE .* is not valid JSON/)
    for (const s of secrets) expect(run.stderr + run.stdout).not.toContain(s)
  })
})
