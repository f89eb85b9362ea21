import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { CLOSE_CODES, SECURITY_FEED_CHANNEL } from '@portcullis/protocol'
import { attachSecurityFeed, SecurityFeed, type SecurityFeedRules } from '@portcullis/telemetry'
import type { RealtimeEvent } from '../../security-events.ts'

/** Closes the server decides for abuse: a flood (4429) and repeated invalid messages (4400). */
const ABUSE_CLOSES: ReadonlySet<unknown> = new Set([
  CLOSE_CODES.rateLimited.code,
  CLOSE_CODES.invalidMessages.code,
])

/**
 * The realtime events on the admins' live feed, with the fields each carries (identifiers only; the allowlist of
 * docs/reference/security-events.md, "Live feed"). Everything else stays in the log and traces alone.
 */
export const REALTIME_FEED_RULES: SecurityFeedRules<RealtimeEvent> = {
  'ws.upgrade.refused': { fields: ['reason', 'status', 'ip', 'origin', 'userId', 'sessionId'] },
  'ip.blocked': { fields: ['reason', 'ip', 'origin'] },
  'ws.closed': {
    fields: ['code', 'ip', 'origin', 'userId', 'sessionId'],
    when: (f) => ABUSE_CLOSES.has(f.code),
  },
  'ws.auth.refresh_refused': { fields: ['reason', 'ip', 'origin', 'userId', 'sessionId'] },
  // The api reports the revocations it decides; realtime only those it decides itself.
  'session.revoked': { fields: ['reason', 'userId', 'sockets'], when: (f) => f.reason === 'roles_missing' },
  'store.unreachable': { fields: ['reason', 'sockets'] },
}

/**
 * The live security feed of this instance: allowlisted security events are also published (rate-limited, see
 * `SecurityFeed`) to `admin:security` through the hub's broker, so admins on any instance see them as they happen.
 */
async function securityFeedPlugin(fastify: FastifyInstance): Promise<void> {
  const feed = new SecurityFeed({
    source: 'realtime',
    rules: REALTIME_FEED_RULES,
    publish: (frame) => fastify.hub.publishFrame(SECURITY_FEED_CHANNEL, frame),
    onError: (err) => fastify.log.debug({ err }, 'security feed: publish failed'),
  })
  attachSecurityFeed(fastify.log, feed)
}

export default fp(securityFeedPlugin, { name: 'rt-security-feed', dependencies: ['rt-node'] })
