import { describe, expect, it } from 'vitest'
import { inboxChannel, inboxOwner } from '../src/inbox.ts'

describe('inbox channels (user:<id>)', () => {
  it('names a user’s inbox and reads its owner back', () => {
    expect(inboxChannel('u_bob-1')).toBe('user:u_bob-1')
    expect(inboxOwner('user:u_bob-1')).toBe('u_bob-1')
    expect(inboxOwner('public:lobby')).toBeUndefined()
    expect(inboxOwner('admin:user:x')).toBeUndefined()
  })

  it('refuses an id the protocol cannot name (no channel injection)', () => {
    for (const bad of ['', 'a:b', 'bob lobby', 'x'.repeat(65), '../admin', 'u\u00e9']) {
      expect(() => inboxChannel(bad)).toThrow(TypeError)
    }
    expect(inboxOwner('user:')).toBeUndefined()
    expect(inboxOwner('user:a:b')).toBeUndefined()
  })
})
