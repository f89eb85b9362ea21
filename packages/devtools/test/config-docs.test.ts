import { describe, expect, it } from 'vitest'
import { ALL_SECTIONS, productionRules } from '../src/generate/config-docs.ts'

describe('the configuration reference sources', () => {
  it('every environment variable has a description (its line in the reference and .env.example)', () => {
    const missing = ALL_SECTIONS.flatMap((s) =>
      s.vars.filter((v) => typeof v.prop.description !== 'string' || v.prop.description.length < 10),
    ).map((v) => v.name)
    expect(missing, 'add `description` to these variables in their schema').toEqual([])
  })

  it('the unsafe example trips every production check (so the reference shows each refusal)', () => {
    const passing = productionRules().filter((r) => r.status === 'pass' || r.status === 'skip')
    expect(
      passing.map((r) => r.id),
      'give UNSAFE_PRODUCTION in packages/devtools/src/generate/config-docs.ts an unsafe value for these checks',
    ).toEqual([])
  })
})
