/**
 * Preloaded with `node --expose-gc --import <this file>` into every server process the bench starts, the
 * Portcullis realtime server included (it is not changed for the bench). Answers `{ probe: 'stats' }` requests on
 * the IPC channel with the process's own CPU time, memory and event-loop delay, so every server is measured the
 * same way. Does nothing when the process has no IPC channel.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { writeHeapSnapshot } from 'node:v8'
import type { ProbeReply, ProbeRequest } from './probe-types.ts'

if (process.send) {
  // 10 ms resolution is what the "event-loop delay p99 ≤ 20 ms" needs, at negligible cost.
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  const gc = (globalThis as { gc?: () => void }).gc

  process.on('message', (raw: unknown) => {
    const msg = raw as Partial<ProbeRequest> | null
    if (msg?.probe === 'heapsnapshot' && typeof msg.id === 'number' && typeof msg.path === 'string') {
      // For `heap-summary.ts`: what the server's heap holds, by constructor (blocks the process while writing).
      gc?.()
      process.send?.({ probe: 'heapsnapshot', id: msg.id, path: writeHeapSnapshot(msg.path) })
      return
    }
    if (!msg || msg.probe !== 'stats' || typeof msg.id !== 'number') return
    if (msg.gc && gc) {
      // Two passes: the first can leave weakly held objects for the second.
      gc()
      gc()
    }
    const mem = process.memoryUsage()
    const reply: ProbeReply = {
      probe: 'stats',
      id: msg.id,
      cpuUs: (() => {
        const c = process.cpuUsage()
        return c.user + c.system
      })(),
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      external: mem.external,
      eldP50Ms: delay.percentile(50) / 1e6,
      eldP99Ms: delay.percentile(99) / 1e6,
      eldMaxMs: delay.max / 1e6,
    }
    if (msg.resetDelay) delay.reset()
    process.send?.(reply)
  })
  // The IPC channel alone must never keep a server alive.
  process.channel?.unref()
}
