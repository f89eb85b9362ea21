import { SECURITY_FEED_CHANNEL } from '@portcullis/protocol'
import { keys } from '@portcullis/sessions/redis'
import { attachSecurityFeed, SecurityFeed, type SecurityFeedRules } from '@portcullis/telemetry'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { ApiSecurityEvent } from '../../security-events.ts'

/**
 * The api events on the admins' live feed, with the fields each carries (identifiers only; the allowlist of
 * docs/reference/security-events.md, "Live feed"). Successes (logins, tickets) stay in the log alone.
 */
export const API_FEED_RULES: SecurityFeedRules<ApiSecurityEvent> = {
  'auth.login.failed': { fields: ['reason', 'ip', 'userId'] },
  'auth.login.throttled': { fields: ['reason', 'ip'] },
  'auth.token.rejected': { fields: ['reason', 'ip', 'userId'] },
  'auth.refresh.failed': { fields: ['reason', 'ip', 'sessionId'] },
  'auth.refresh.reused': { fields: ['reason', 'ip', 'sessionId'] },
  'auth.ticket.refused': { fields: ['reason', 'ip', 'origin', 'userId'] },
  'auth.quota.exceeded': { fields: ['reason', 'ip', 'sessionId'] },
  'auth.forbidden': { fields: ['reason', 'ip', 'userId', 'sessionId'] },
  'session.revoked': { fields: ['reason', 'ip', 'userId', 'sessionId', 'actor'] },
  'user.roles_changed': { fields: ['reason', 'ip', 'userId', 'actor', 'roles'] },
}

/**
 * The live security feed of this api instance: allowlisted security events are also published (rate-limited,
 * see `SecurityFeed`) on `admin:security`'s Redis fan-out channel, the one realtime's broker delivers to the
 * channel's subscribers, so admins see the api's refusals and revocations next to realtime's.
 */
async function securityFeedPlugin(app: FastifyInstance, opts: { prefix: string }): Promise<void> {
  if (typeof opts.prefix !== 'string') throw new Error('security feed plugin: prefix is required')
  const fanout = keys(opts.prefix).fanout(SECURITY_FEED_CHANNEL)
  const feed = new SecurityFeed({
    source: 'api',
    rules: API_FEED_RULES,
    publish: async (frame) => {
      // SPUBLISH to the shard that owns the channel, bounded by the connection's deadline (the entry is lost
      // after it; the request never waits for it).
      await app.redis.publish(fanout, frame)
    },
    onError: (err) =>
      app.log.debug({ err: { message: (err as Error).message } }, 'security feed: publish failed'),
  })
  attachSecurityFeed(app.log, feed)
}

export default fp(securityFeedPlugin, { name: 'security-feed', dependencies: ['store'] })
