import { isIPv6 } from 'node:net'

/**
 * The key a client IP is counted under by every per-client limit (realtime's connect rate, failed authentications
 * and blocks; the api's login failures and known clients). IPv4 as it is; IPv6 by its /64 prefix, because one host
 * usually owns a whole /64 and could otherwise rotate addresses to dodge every limit. IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`) counts as the IPv4 address.
 * @example clientKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function clientKey(ip: string): string {
  if (!isIPv6(ip)) return ip
  const lower = ip.toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
  if (mapped) return mapped[1]!
  const [head = '', tail] = lower.split('::')
  const headGroups = head ? head.split(':') : []
  const tailGroups = tail ? tail.split(':') : []
  const groups = [
    ...headGroups,
    ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'),
    ...tailGroups,
  ]
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`
}
