/**
 * The measurement window of a job: after `warmupMs` the job calls `start()`, after `durationMs` more `end()`.
 * Both notify the orchestrator (which samples the servers' CPU at the same moments) and snapshot this process's
 * own CPU time, so the load generator reports what it cost and is never a hidden bottleneck.
 */
export interface Window {
  /** True between `start()` and `end()`. */
  measuring: boolean
  /** `performance.now()` at start (ms). */
  startedAt: number
  start(): void
  end(): void
  /** Elapsed window (ms) and the load generator's CPU use over it (percent of one core). */
  readonly result: { elapsedMs: number; clientCpuPct: number }
}

function cpuNow(): number {
  const c = process.cpuUsage()
  return c.user + c.system
}

/** Creates a window that reports `start`/`end` through `notify`. */
export function createWindow(notify: (event: 'start' | 'end') => void): Window {
  let cpu0 = 0
  let elapsedMs = 0
  let clientCpuPct = Number.NaN
  const w: Window = {
    measuring: false,
    startedAt: 0,
    start() {
      w.startedAt = performance.now()
      cpu0 = cpuNow()
      w.measuring = true
      notify('start')
    },
    end() {
      if (!w.measuring) return
      w.measuring = false
      elapsedMs = performance.now() - w.startedAt
      clientCpuPct = ((cpuNow() - cpu0) / 1000 / elapsedMs) * 100
      notify('end')
    },
    get result() {
      return { elapsedMs, clientCpuPct }
    },
  }
  return w
}

/** Runs `warmupMs` of load, then the window for `durationMs`; resolves when the window has ended. */
export async function runWindow(
  w: Window,
  warmupMs: number,
  durationMs: number,
  stopped: () => boolean,
): Promise<void> {
  await sleepUnless(warmupMs, stopped)
  w.start()
  await sleepUnless(durationMs, stopped)
  w.end()
}

async function sleepUnless(ms: number, stopped: () => boolean): Promise<void> {
  const until = performance.now() + ms
  while (performance.now() < until && !stopped()) {
    await new Promise((r) => setTimeout(r, Math.min(20, until - performance.now())))
  }
}

let addressSeq = 0
/** Next source address in 127.0.0.2–127.0.0.251: spreads sockets so ephemeral ports never run out. */
export function nextLocalAddress(): string {
  addressSeq = (addressSeq + 1) % 250
  return `127.0.0.${addressSeq + 2}`
}
