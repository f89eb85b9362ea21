import { expect, test } from 'vitest'
import { extractCredential } from '../../src/auth/credentials.ts'

const jwt = 'aaa.bbb.ccc'

test('first match wins: ticket, subprotocol bearer, Authorization, query token', () => {
  const all = {
    query: { ticket: 't1', access_token: jwt },
    headers: {
      'sec-websocket-protocol': `portcullis.v1, portcullis.bearer.${jwt}`,
      authorization: `Bearer ${jwt}`,
    },
  }
  expect(extractCredential(all.query, all.headers, true)).toEqual({ ok: true, source: 'ticket', value: 't1' })
  expect(extractCredential({ access_token: jwt }, all.headers, true)).toMatchObject({ source: 'subprotocol' })
  expect(extractCredential({}, { authorization: `Bearer ${jwt}` }, true)).toMatchObject({
    source: 'authorization',
  })
  expect(extractCredential({ access_token: jwt }, {}, true)).toMatchObject({ source: 'query', value: jwt })
})

test('refusals: nothing, bearer without portcullis.v1, two bearers, query token disabled, repeated or empty values', () => {
  expect(extractCredential({}, {}, true)).toEqual({ ok: false, reason: 'missing' })
  expect(extractCredential({}, { 'sec-websocket-protocol': `portcullis.bearer.${jwt}` }, true)).toEqual({
    ok: false,
    reason: 'bearer_without_subprotocol',
  })
  const two = { 'sec-websocket-protocol': `portcullis.v1, portcullis.bearer.a.b.c, portcullis.bearer.d.e.f` }
  expect(extractCredential({}, two, true)).toMatchObject({ ok: false, reason: 'malformed_credential' })
  expect(extractCredential({ access_token: jwt }, {}, false)).toEqual({
    ok: false,
    reason: 'query_token_disabled',
  })
  expect(extractCredential({ ticket: ['a', 'b'] }, {}, true)).toMatchObject({ ok: false })
  expect(extractCredential({ ticket: '' }, {}, true)).toMatchObject({ ok: false })
  expect(extractCredential({}, { authorization: 'Basic dXNlcjpwYXNz' }, true)).toMatchObject({ ok: false })
  expect(extractCredential({}, { authorization: `Bearer ${'x'.repeat(9000)}` }, true)).toMatchObject({
    ok: false,
  })
})
