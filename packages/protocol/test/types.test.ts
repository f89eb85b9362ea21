import { describe, expect, expectTypeOf, it } from 'vitest'
import type {
  ChannelMessage,
  ClientMessage,
  ClientMessageOf,
  ClientMessageType,
  ErrorCode,
  ErrorMessage,
  Role,
  ServerMessage,
  ServerMessageType,
} from '../src/index.ts'
import type { Static } from 'typebox'
import { parseClientMessage, RoleSchema, ROLES } from '../src/index.ts'

const narrowToText = (m: ClientMessage) =>
  m.type === 'publish' ? m.text : m.type === 'subscribe' ? m.channel : null

// Type tests: checked by `tsc --noEmit` (typecheck) and run as ordinary tests.
describe('protocol types', () => {
  it('the client union is closed over exactly the v1 client types', () => {
    expectTypeOf<ClientMessageType>().toEqualTypeOf<
      'ping' | 'subscribe' | 'unsubscribe' | 'publish' | 'auth.refresh'
    >()
  })

  it('the server union is closed over exactly the v1 server types', () => {
    expectTypeOf<ServerMessageType>().toEqualTypeOf<
      | 'welcome'
      | 'pong'
      | 'subscribed'
      | 'unsubscribed'
      | 'published'
      | 'auth.refreshed'
      | 'message'
      | 'auth.expiring'
      | 'session.updated'
      | 'error'
    >()
  })

  it('narrowing on type gives the fields of that message', () => {
    expectTypeOf(narrowToText).returns.toEqualTypeOf<string | null>()
    expectTypeOf<ClientMessageOf<'auth.refresh'>>().toEqualTypeOf<{
      type: 'auth.refresh'
      id: string
      accessToken: string
    }>()
  })

  it('requests carry id; pushes may not', () => {
    expectTypeOf<ClientMessage['id']>().toEqualTypeOf<string>()
    expectTypeOf<Extract<ServerMessage, { type: 'error' }>['id']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<ChannelMessage>().not.toHaveProperty('id')
  })

  it('error codes are a closed string union', () => {
    expectTypeOf<ErrorMessage['code']>().toEqualTypeOf<ErrorCode>()
    expectTypeOf<'rate_limited'>().toExtend<ErrorCode>()
    expectTypeOf<'nope'>().not.toExtend<ErrorCode>()
  })

  it('one role type: the schema, the list and the type agree', () => {
    expectTypeOf<Static<typeof RoleSchema>>().toEqualTypeOf<Role>()
    expectTypeOf<(typeof ROLES)[number]>().toEqualTypeOf<Role>()
    expect(RoleSchema.anyOf.map((s) => s.const)).toEqual([...ROLES])
  })

  it('parse results are typed', () => {
    type Result = ReturnType<typeof parseClientMessage>
    expectTypeOf<Extract<Result, { ok: true }>['message']>().toEqualTypeOf<ClientMessage>()
    expectTypeOf<Extract<Result, { ok: false }>['error']['code']>().toEqualTypeOf<'invalid_message'>()
  })
})
