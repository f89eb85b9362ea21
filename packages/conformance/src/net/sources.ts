import { randomInt } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { createServer, isIP } from 'node:net'
import type { SourceOption } from '../options.ts'

/** How the run picks the client address of each case. */
export interface SourcePlan {
  /** The address case number `index` sends from; undefined = the OS chooses. */
  addressFor(index: number): string | undefined
  /** One line for the report. */
  readonly description: string
  /** True when cases have addresses of their own (their per-IP counters do not add up). */
  readonly perCase: boolean
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.')
}

/** True when every host resolves to loopback only, with an IPv4 address among them. */
export async function allLoopback(hosts: readonly string[]): Promise<boolean> {
  for (const host of hosts) {
    const bare = host.replace(/^\[|\]$/g, '')
    const addresses = isIP(bare)
      ? [{ address: bare }]
      : await lookup(bare, { all: true }).catch(() => [] as Array<{ address: string }>)
    if (addresses.length === 0 || !addresses.every((a) => isLoopback(a.address))) return false
    if (!addresses.some((a) => isIP(a.address) === 4)) return false
  }
  return true
}

/** True when this host lets a socket bind `address` (Linux routes all of 127.0.0.0/8 to lo; macOS does not). */
export async function canBind(address: string): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(0, address, () => server.close(() => resolve(true)))
  })
}

const OS: SourcePlan = {
  addressFor: () => undefined,
  description: "the OS's choice (one address for every case: the suite paces itself below the per-IP limits)",
  perCase: false,
}

/**
 * Plans client addresses. On a loopback target, `auto` takes a random 127.a.b.0/24 so that each case (and each
 * re-run, even while an earlier run's block lasts) has counters of its own; elsewhere addresses cannot be picked,
 * so cases share one and the order of the cases matters (the blocking ones run last).
 */
export async function planSources(option: SourceOption, hosts: readonly string[]): Promise<SourcePlan> {
  if (option === 'os') return OS
  if (option !== 'auto') {
    const list = [...option]
    return {
      addressFor: (index) => list[index % list.length],
      description: `given addresses, one per case in turn: ${list.join(', ')}`,
      perCase: list.length > 1,
    }
  }
  if (process.platform !== 'linux' || !(await allLoopback(hosts))) return OS
  const base = `127.${randomInt(1, 255)}.${randomInt(0, 256)}`
  if (!(await canBind(`${base}.1`))) return OS
  return {
    // 1–254 in the last octet; more cases than that share addresses in turn.
    addressFor: (index) => `${base}.${(index % 254) + 1}`,
    description: `one loopback address per case in ${base}.0/24 (loopback target)`,
    perCase: true,
  }
}
