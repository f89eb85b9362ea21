import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { RealtimeEnvSchema } from '../src/config.ts'
import { PUBLIC_CODES } from '../src/errors.ts'

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8')

describe('realtime docs stay in step with the code', () => {
  test('every environment variable is in the configuration reference and in .env.example', () => {
    const reference = read('../../../docs/reference/configuration.md')
    const example = read('../.env.example')
    const names = Object.keys(RealtimeEnvSchema.properties)
    expect(names.filter((name) => !reference.includes(`| \`${name}\``))).toEqual([])
    expect(names.filter((name) => !name.startsWith('NODE_') && !example.includes(`# ${name}=`))).toEqual([])
  })

  test('every public refusal code is explained in the realtime guide', () => {
    const guide = read('../../../docs/guides/realtime.md')
    const missing = [...new Set(Object.values(PUBLIC_CODES))].filter((code) => !guide.includes(`\`${code}\``))
    expect(missing).toEqual([])
  })
})
