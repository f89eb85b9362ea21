import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { CLOSE_CODE_LIST, ERROR_CODES } from '../src/index.ts'

// docs/reference/protocol.md must list exactly the close and error codes this package exports.
const doc = readFileSync(new URL('../../../docs/reference/protocol.md', import.meta.url), 'utf8')

function tableRows(marker: string): string[][] {
  const section = doc.split(`<!-- ${marker}:start -->`)[1]?.split(`<!-- ${marker}:end -->`)[0]
  if (section === undefined) throw new Error(`docs/reference/protocol.md has no ${marker} markers`)
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2) // header and separator
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim().replace(/^`([^`]*)`$/, '$1')),
    )
}

it('the close-code table in docs matches the protocol package', () => {
  const expected = CLOSE_CODE_LIST.map((row) => [
    String(row.code),
    row.reason ?? '(ws)',
    row.when,
    row.action,
  ])
  expect(tableRows('close-codes')).toEqual(expected)
})

it('the error-code table in docs matches the protocol package', () => {
  const expected = Object.entries(ERROR_CODES).map(([code, row]) => [code, row.description, row.clientAction])
  expect(tableRows('error-codes')).toEqual(expected)
})
