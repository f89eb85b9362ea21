/** IPC messages between the orchestrator and `probe.ts` inside each server process. */

/** Asks a server process for its stats; `gc` runs two full collections first, `resetDelay` restarts the histogram. */
export interface ProbeRequest {
  probe: 'stats' | 'heapsnapshot'
  id: number
  gc?: boolean
  resetDelay?: boolean
  /** `heapsnapshot`: where to write it. */
  path?: string
}

/** A server process's own view of itself. CPU in microseconds since start, memory in bytes, delay in ms. */
export interface ProbeReply {
  probe: 'stats'
  id: number
  cpuUs: number
  rss: number
  heapUsed: number
  external: number
  eldP50Ms: number
  eldP99Ms: number
  eldMaxMs: number
}
