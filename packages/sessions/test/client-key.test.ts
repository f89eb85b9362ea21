import { expect, test } from 'vitest'
import { clientKey } from '../src/index.ts'

test('IPv4 as it is, IPv6 by /64, IPv4-mapped as IPv4', () => {
  expect(clientKey('203.0.113.7')).toBe('203.0.113.7')
  expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
  expect(clientKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64')
  expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
  expect(clientKey('::1')).toBe('0:0:0:0::/64')
  expect(clientKey('::ffff:198.51.100.1')).toBe('198.51.100.1')
})
