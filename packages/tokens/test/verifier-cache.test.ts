import { expect, test, vi } from 'vitest'
import { createVerifier } from '../src/index.ts'
import { TestTokens } from '../src/testing/index.ts'

// Counts how often fast-jwt builds a verifier: the hot path must not build one per token.
const built = vi.hoisted(() => ({ count: 0 }))
vi.mock('fast-jwt', async (importOriginal) => {
  const original = await importOriginal<typeof import('fast-jwt')>()
  return {
    ...original,
    createVerifier: ((options: Parameters<typeof original.createVerifier>[0]) => {
      built.count += 1
      return original.createVerifier(options)
    }) as typeof original.createVerifier,
  }
})

test('one fast-jwt verifier per key, built on first use and kept', async () => {
  const tokens = new TestTokens()
  const verifier = createVerifier({ issuer: tokens.issuer, audience: tokens.audience, keys: tokens.keySet })
  expect(built.count).toBe(0)
  for (let i = 0; i < 50; i += 1) {
    expect((await verifier.verify(tokens.token({ sid: `s${i}` }))).ok).toBe(true)
    expect((await verifier.verify(tokens.token({ sid: `e${i}` }, { alg: 'EdDSA' }))).ok).toBe(true)
  }
  expect(built.count).toBe(2)
})
