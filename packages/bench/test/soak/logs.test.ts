import { expect, test } from 'vitest'
import { scanLog, scanStderr } from '../../src/soak/logs.ts'

test('finds error lines and non-JSON output, counts refusals by reason and 1013 closes', () => {
  const lines = [
    JSON.stringify({ level: 40, event: 'ws.upgrade.refused', reason: 'store_unavailable' }),
    JSON.stringify({ level: 40, event: 'ws.upgrade.refused', reason: 'store_unavailable' }),
    JSON.stringify({ level: 40, event: 'ws.upgrade.refused', reason: 'connect_rate' }),
    JSON.stringify({ level: 40, event: 'store.unreachable', reason: 'grace_exceeded' }),
    JSON.stringify({ level: 30, msg: 'fine' }),
    JSON.stringify({ level: 50, msg: 'request failed' }),
    'TypeError: something broke',
    '',
  ]
  const found = scanLog(lines.join('\n'))
  expect(found.refusals).toEqual({ store_unavailable: 2, connect_rate: 1 })
  expect(found.storeUnreachable).toBe(1)
  expect(found.errorCount).toBe(2)
  expect(found.errors[1]).toBe('TypeError: something broke')
})

test('stderr: Node notices are benign; anything else is a failure', () => {
  const text = [
    '(node:1) ExperimentalWarning: Type Stripping is an experimental feature',
    '(Use `node --trace-warnings ...` to show where the warning was created)',
    '',
    'Error: unhandled rejection',
  ].join('\n')
  expect(scanStderr(text)).toEqual(['Error: unhandled rejection'])
})
