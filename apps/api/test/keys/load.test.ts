import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '@portcullis/config'
import {
  createJwksSource,
  createVerifier,
  generatePrivateJwk,
  jwksDocument,
  keySetFromJwks,
} from '@portcullis/tokens'
import { describe, expect, it, onTestFinished } from 'vitest'
import { loadApiConfig } from '../../src/config.ts'
import { loadKeySet } from '../../src/keys/load.ts'
import { buildTestApp, claimsOf, loginAs } from '../helper.ts'

const server = fileURLToPath(new URL('../../src/server.ts', import.meta.url))

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-keys-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('key set', () => {
  it('publishes public keys only, with cache headers; a verifier of the published JWKS accepts issued tokens', async () => {
    const { app, config } = await buildTestApp()
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const res = await fetch(`${address}/.well-known/jwks.json`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    const jwks = (await res.json()) as { keys: Array<Record<string, unknown>> }
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(jwks.keys[0]).not.toHaveProperty('d')
    // What a realtime instance (or a forker's service) does with it: the JWKS source over HTTP.
    const keys = createJwksSource({ url: `${address}/.well-known/jwks.json` })
    onTestFinished(() => keys.close())
    const verifier = createVerifier({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, keys })
    const { accessToken } = await loginAs(app, 'alice')
    expect(await verifier.verify(accessToken)).toMatchObject({ ok: true, claims: claimsOf(accessToken) })
    expect(await verifier.verify(`${accessToken.slice(0, -4)}AAAA`)).toEqual({
      ok: false,
      failure: 'signature',
    })
  })

  it('signs EdDSA with an Ed25519 key', async () => {
    const keys = keySetFromJwks([generatePrivateJwk('EdDSA')])
    const { app, config } = await buildTestApp({}, { keys })
    const { accessToken } = await loginAs(app, 'bob')
    const header = JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString()) as object
    expect(header).toMatchObject({ alg: 'EdDSA', kid: keys.current.kid })
    const published = keySetFromJwks([generatePrivateJwk('ES256')]) // resolves nothing of `keys`
    const verify = (k: typeof keys) =>
      createVerifier({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, keys: k }).verify(
        accessToken,
      )
    expect(await verify(keys)).toMatchObject({ ok: true, kid: keys.current.kid })
    expect(await verify(published)).toEqual({ ok: false, failure: 'unknown_kid' })
    expect(jwksDocument(keys).keys.map((k) => k.kid)).toEqual([keys.current.kid])
  })

  it('a SIGNING_KEYS_FILE that is not a valid key set stops start-up with one line naming it (and a kid at most)', () => {
    const dir = tempDir()
    const ec = generatePrivateJwk('ES256')
    const { d: _d, ...publicOnly } = ec
    const cases: Array<[unknown, RegExp]> = [
      [[], /non-empty/],
      [[publicOnly], /not a private key/],
      [[ec, ec], /duplicate kid/],
    ]
    for (const [content, reason] of cases) {
      const file = join(dir, 'keys.json')
      writeFileSync(file, JSON.stringify(content))
      let error: unknown
      try {
        loadKeySet(loadApiConfig({ SIGNING_KEYS_FILE: file }))
      } catch (err) {
        error = err
      }
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variable).toBe('SIGNING_KEYS_FILE')
      expect((error as Error).message).toMatch(
        /^invalid environment: SIGNING_KEYS_FILE \(.+\): signing keys: /,
      )
      expect((error as Error).message).toMatch(reason)
      expect((error as Error).message).not.toContain(ec.d!.slice(0, 12))
    }
  })

  it('generates development keys once (0600) and reuses them on the next start', () => {
    const dir = tempDir()
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
    const dir = tempDir()
    const file = join(dir, 'keys.json')
    const [a, b] = [generatePrivateJwk('ES256'), generatePrivateJwk('EdDSA')]
    writeFileSync(file, JSON.stringify([a, b]))
    const { keys, generated } = loadKeySet(loadApiConfig({ SIGNING_KEYS_FILE: file }))
    expect(generated).toBe(false)
    expect(keys.current.kid).toBe(a.kid)
    expect(jwksDocument(keys).keys.map((k) => k.kid)).toEqual([a.kid, b.kid])
  })

  it('a malformed SIGNING_KEYS_FILE stops start-up with one line that never echoes the file', () => {
    const dir = tempDir()
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
