import { command, credentialsFor, endpoints, type Context } from '../context.ts'
import type { PoolOpenResult, RevokeResult } from '../loadgen/types.ts'

/**
 * (e) Revocation → close latency: sessions with one socket each, spread over two Portcullis instances, are
 * revoked one by one through the shared session store (as logout and the admin routes do); the load generator
 * times each revoke call to its socket's close. Run idle, then under a closed-loop echo load on both instances.
 */
export async function runRevocationScenario(ctx: Context): Promise<void> {
  const target = ctx.targets.get('portcullis')
  if (!target) return
  for (const mode of ['idle', 'load'] as const) {
    const sessions = await ctx.creds.sessions(ctx.options.revocations)
    const credentials = await credentialsFor(ctx, target, sessions.length, { sessions })
    const opened = await command<PoolOpenResult>(ctx, {
      cmd: 'pool.open',
      pool: 'revoke',
      endpoints: endpoints(ctx, target, true),
      credentials,
      tags: sessions.map((s) => s.sid),
      count: sessions.length,
      concurrency: 50,
    })
    const background =
      mode === 'load'
        ? {
            endpoints: endpoints(ctx, target, true),
            credentials: await credentialsFor(ctx, target, 100),
            conns: 100,
            inflight: 4,
          }
        : undefined
    const result = await command<RevokeResult>(ctx, {
      cmd: 'revoke',
      pool: 'revoke',
      redis:
        'clusterNodes' in ctx.env.redis ? { clusterNodes: [...ctx.env.redis.clusterNodes] } : ctx.env.redis,
      prefix: ctx.env.prefix,
      paceMs: ctx.options.revokePaceMs,
      timeoutMs: 2000,
      background,
    })
    const codes = Object.entries(result.codes).map(([code, n]) => `${code}×${n}`)
    ctx.record({
      scenario: 'revocation',
      case: mode,
      server: target.name,
      metrics: {
        sessions: opened.opened,
        instances: target.instances.length,
        p50Ms: result.latency.p50Ms,
        p99Ms: result.latency.p99Ms,
        maxMs: result.latency.maxMs,
        closed: result.closed,
        notClosed: result.notClosed,
        backgroundRatePerS: result.backgroundRatePerS ?? Number.NaN,
      },
      notes: [`close codes: ${codes.join(', ') || 'none'}`],
    })
  }
}
