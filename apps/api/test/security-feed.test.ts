import {
  parseSecurityFeedEntry,
  parseServerMessage,
  SECURITY_FEED_CHANNEL,
  type SecurityFeedEntry,
} from '@portcullis/protocol'
import { keys } from '@portcullis/sessions/redis'
import { waitFor } from '@portcullis/testkit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { bearer, buildTestApp, loginAs, rawRedis } from './helper.ts'

/** Everything the api publishes on the feed's fan-out channel (what realtime delivers to admins). */
async function feed(prefix: string): Promise<{ frames: string[]; entries: () => SecurityFeedEntry[] }> {
  const sub = (await rawRedis()).duplicate()
  await sub.connect()
  onTestFinished(() => sub.destroy())
  const frames: string[] = []
  // The api publishes with SPUBLISH (sharded pub/sub, as realtime's broker subscribes).
  await sub.sSubscribe(keys(prefix).fanout(SECURITY_FEED_CHANNEL), (frame: string) => void frames.push(frame))
  return {
    frames,
    entries: () =>
      frames.map((frame) => {
        const parsed = parseServerMessage(frame)
        if (!parsed.ok || parsed.message.type !== 'message') throw new Error(`not a message: ${frame}`)
        const entry = parseSecurityFeedEntry(parsed.message)
        if (!entry) throw new Error(`not a feed entry: ${frame}`)
        return entry
      }),
  }
}

describe('the api on the live security feed', () => {
  it('publishes refusals and revocations as feed messages; successes stay in the log; never a secret', async () => {
    const { app, config } = await buildTestApp()
    const { frames, entries } = await feed(config.REDIS_KEY_PREFIX)
    const admin = await loginAs(app, 'admin')
    const alice = await loginAs(app, 'alice')
    const wrong = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'bob', password: 'HUNTER2-WRONG-PASSWORD' },
    })
    expect(wrong.statusCode).toBe(401)
    const forged = `${alice.accessToken.slice(0, -8)}AAAAAAAA` // a bad signature
    const rejected = await app.inject({ method: 'POST', url: '/v1/auth/ws-ticket', headers: bearer(forged) })
    expect(rejected.statusCode).toBe(401)
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/v1/admin/sessions/${alice.sessionId}`,
      headers: bearer(admin.accessToken),
    })
    expect(revoked.statusCode).toBe(204)
    await waitFor(() => frames.length >= 3, 'three feed entries')
    expect(entries()).toEqual([
      {
        event: 'auth.login.failed',
        source: 'api',
        at: expect.any(Number) as number,
        reason: 'bad_password',
        ip: '127.0.0.1',
        userId: 'u_bob',
      },
      {
        event: 'auth.token.rejected',
        source: 'api',
        at: expect.any(Number) as number,
        reason: 'signature',
        ip: '127.0.0.1',
      },
      {
        event: 'session.revoked',
        source: 'api',
        at: expect.any(Number) as number,
        reason: 'admin',
        ip: '127.0.0.1',
        sessionId: alice.sessionId,
        actor: 'u_admin',
      },
    ])
    const text = frames.join('\n')
    for (const secret of [
      'HUNTER2-WRONG-PASSWORD',
      alice.accessToken,
      forged,
      alice.refreshToken,
      admin.accessToken,
      alice.accessToken.split('.')[2]!,
    ])
      expect(text).not.toContain(secret)
  })
})
