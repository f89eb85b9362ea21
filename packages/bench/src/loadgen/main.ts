/**
 * The load generator process. Runs one job at a time on request over IPC (`{ id, cmd, ... }`), answers
 * `{ id, result }` or `{ id, error }`, and reports its measurement window as `{ jobId, event: 'start' | 'end' }` so
 * the orchestrator can sample every server's CPU over exactly the same window.
 */
import { runCrossFanout } from './cross-fanout.ts'
import { runEcho } from './echo.ts'
import { runFanout } from './fanout.ts'
import { runHandshakes } from './handshake.ts'
import { poolClose, poolOpen, poolTrickle, revoke } from './pool.ts'
import { stormOpen, stormWait } from './storm.ts'
import type { Job } from './types.ts'
import { createWindow } from './window.ts'

async function run(job: Job, id: number): Promise<unknown> {
  const w = createWindow((event) => process.send?.({ jobId: id, event }))
  switch (job.cmd) {
    case 'handshake':
      return await runHandshakes(job, w)
    case 'echo':
      return await runEcho(job, w)
    case 'fanout':
      return await runFanout(job, w)
    case 'cross-fanout':
      return await runCrossFanout(job, w)
    case 'storm.open':
      return await stormOpen(job)
    case 'storm.wait':
      return await stormWait(job)
    case 'pool.open':
      return await poolOpen(job)
    case 'pool.trickle':
      return await poolTrickle(job, w)
    case 'pool.close':
      return await poolClose(job)
    case 'revoke':
      return await revoke(job)
  }
}

process.on('message', (raw: unknown) => {
  const msg = raw as (Job & { id: number }) | null
  if (!msg || typeof msg.id !== 'number' || typeof msg.cmd !== 'string') return
  run(msg, msg.id).then(
    (result) => process.send?.({ id: msg.id, result }),
    (err: unknown) => process.send?.({ id: msg.id, error: (err as Error).stack ?? String(err) }),
  )
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
