import { describe, expect, it } from 'vitest'
import {
  parseSecurityFeedEntry,
  parseServerMessage,
  SECURITY_FEED_CHANNEL,
  SECURITY_FEED_SENDER,
  securityFeedMessage,
  type ChannelMessage,
  type SecurityFeedEntry,
} from '../src/index.ts'

const entry: SecurityFeedEntry = {
  event: 'ws.upgrade.refused',
  source: 'realtime',
  at: 1_764_300_000_000,
  reason: 'origin_not_allowed',
  status: 403,
  ip: '203.0.113.7',
  origin: 'https://evil.example',
}

const withText = (text: string): ChannelMessage => ({ ...securityFeedMessage(entry, 'm-3'), text })

describe('the security feed contract', () => {
  it('a feed message is a valid `message` push on admin:security from the platform', () => {
    const message = securityFeedMessage(entry, 'm-1')
    const parsed = parseServerMessage(JSON.stringify(message))
    expect(parsed).toEqual({ ok: true, message })
    expect(message).toMatchObject({
      channel: SECURITY_FEED_CHANNEL,
      from: SECURITY_FEED_SENDER,
      ts: entry.at,
    })
    expect(parseSecurityFeedEntry(message)).toEqual(entry)
  })

  it('reads an entry only from the feed channel and the platform sender', () => {
    const message = securityFeedMessage(entry, 'm-2')
    const elsewhere: ChannelMessage = { ...message, channel: 'admin:ops' }
    const fromUser: ChannelMessage = { ...message, from: { id: 'u_mallory', username: 'mallory' } }
    expect(parseSecurityFeedEntry(elsewhere)).toBeNull()
    expect(parseSecurityFeedEntry(fromUser)).toBeNull()
  })

  it('returns null for text that is not an entry, and keeps fields it does not know (forward compatible)', () => {
    for (const text of ['not json', '[]', '{"event":"x"}', '{"event":"BAD NAME","source":"api","at":1}'])
      expect(parseSecurityFeedEntry(withText(text))).toBeNull()
    expect(
      parseSecurityFeedEntry(withText('{"event":"ip.blocked","source":"api","at":1,"zone":"eu"}')),
    ).toEqual({
      event: 'ip.blocked',
      source: 'api',
      at: 1,
      zone: 'eu',
    })
  })
})
