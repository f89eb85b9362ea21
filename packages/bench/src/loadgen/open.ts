import { connect, type Conn, type Credential } from './conn.ts'
import type { Endpoint } from './types.ts'
import { nextLocalAddress } from './window.ts'

/** Connection i of a load: endpoint and credential chosen round-robin. */
export function specFor(endpoints: Endpoint[], credentials: Credential[], i: number) {
  const endpoint = endpoints[i % endpoints.length] as Endpoint
  const credential = credentials[i % credentials.length] ?? { kind: 'none' as const }
  return { ...endpoint, credential, localAddress: nextLocalAddress() }
}

/** Opens `count` connections, at most `concurrency` handshakes at a time; failed slots are null. */
export async function openMany(
  endpoints: Endpoint[],
  credentials: Credential[],
  count: number,
  concurrency: number,
): Promise<{ conns: Array<Conn | null>; failed: number; firstError?: string }> {
  const conns = Array.from<Conn | null>({ length: count }).fill(null)
  let next = 0
  let failed = 0
  let firstError: string | undefined
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      try {
        conns[i] = await connect(specFor(endpoints, credentials, i))
      } catch (err) {
        failed++
        firstError ??= (err as Error).message
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return { conns, failed, firstError }
}

/** Closes connections and waits (at most `timeoutMs`) until every one has closed. */
export async function closeAll(conns: Array<Conn | null>, timeoutMs = 10_000): Promise<number> {
  const live = conns.filter((c): c is Conn => c !== null)
  for (const c of live) c.close()
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    Promise.all(live.map((c) => c.closed)),
    new Promise((r) => (timer = setTimeout(r, timeoutMs))),
  ])
  clearTimeout(timer)
  for (const c of live) c.ws.terminate()
  return live.length
}
