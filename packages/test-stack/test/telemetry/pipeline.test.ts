import { randomBytes } from 'node:crypto'
import { ATTR, METRIC } from '@portcullis/telemetry'
import { SpanKind, captureLogs, findSecrets, installTestTelemetry } from '@portcullis/telemetry/testing'
import { waitFor } from '@portcullis/testkit'
import { describe, expect, it } from 'vitest'
import { ORIGIN, call, open, refusedStatus, startStack } from './stack.ts'

// Before the apps (and so fastify and redis) are loaded, as `node --import ./src/instrument.ts` does.
const otel = installTestTelemetry()

const hex = (bytes: number) => randomBytes(bytes).toString('hex')

describe('telemetry from login to every message', () => {
  it('keeps one trace from login to upgrade, links messages to the connection, moves every metric, leaks nothing', async () => {
    const logs = captureLogs()
    // Small limits so rate limiting and the IP block happen within a few frames / upgrades.
    const stack = await startStack(logs, { MSG_RATE_PER_S: '1', MSG_BURST: '8', AUTH_FAILURES_PER_MIN: '6' })
    otel.reset()
    const before = {
      accepted: await otel.value(METRIC.UPGRADES, { [ATTR.OUTCOME]: 'accepted' }),
      refused: await otel.value(METRIC.UPGRADES, { [ATTR.OUTCOME]: 'refused' }),
      loginFailures: await otel.value(METRIC.AUTH_FAILURES, { [ATTR.SOURCE]: 'login' }),
      upgradeFailures: await otel.value(METRIC.AUTH_FAILURES, { [ATTR.SOURCE]: 'upgrade' }),
      publishOk: await otel.value(METRIC.MESSAGES, { [ATTR.MESSAGE_TYPE]: 'publish', [ATTR.OUTCOME]: 'ok' }),
      rateLimited: await otel.value(METRIC.RATE_LIMITED),
      invalid: await otel.value(METRIC.INVALID_MESSAGES),
      duration: await otel.value(METRIC.MESSAGE_DURATION),
      revocation: await otel.value(METRIC.REVOCATION_LATENCY),
      blocks: await otel.value(METRIC.IP_BLOCKS),
      events: await otel.value(METRIC.SECURITY_EVENTS),
    }
    const secrets: string[] = ['alice-password', 'bob-password', 'wrong-password-123']

    // The client SDK's `traceparent` option: one trace id for the login and ticket calls.
    const traceId = hex(16)
    const tp = () => `00-${traceId}-${hex(8)}-01`
    expect(
      (await call(stack, '/v1/auth/login', { body: { username: 'alice', password: 'wrong-password-123' } }))
        .status,
    ).toBe(401)
    const login = await call(stack, '/v1/auth/login', {
      body: { username: 'alice', password: 'alice-password' },
      traceparent: tp(),
    })
    expect(login.status).toBe(200)
    const access = login.body.accessToken as string
    const refresh = login.body.refreshToken as string
    const ticketReply = await call(stack, '/v1/auth/ws-ticket', {
      bearer: access,
      traceparent: tp(),
      origin: ORIGIN,
    })
    expect(ticketReply.status).toBe(200)
    const ticket = ticketReply.body.ticket as string
    secrets.push(access, refresh, ticket)

    // Upgrade with the ticket, then messages.
    const alice = await open(`${stack.wsUrl}?ticket=${encodeURIComponent(ticket)}`, {
      headers: { origin: ORIGIN },
    })
    const body = `secret message body ${hex(8)}`
    secrets.push(body)
    alice.ws.send(JSON.stringify({ type: 'ping', id: 'p1' }))
    alice.ws.send(JSON.stringify({ type: 'subscribe', id: 's1', channel: 'public:lobby' }))
    await alice.next((f) => f.id === 's1')
    alice.ws.send(JSON.stringify({ type: 'publish', id: 'm1', channel: 'public:lobby', text: body }))
    await alice.next((f) => f.id === 'm1')
    alice.ws.send(`{"type":"publish","id":"bad1","text":"${body}"`)
    alice.ws.send(JSON.stringify({ type: 'subscribe', id: 's2', channel: 'admin:ops' }))
    await alice.next((f) => f.id === 's2')
    alice.ws.send(JSON.stringify({ type: 'auth.refresh', id: 'a1', accessToken: access }))
    await alice.next((f) => f.id === 'a1')
    expect(await otel.value(METRIC.ACTIVE_CONNECTIONS)).toBeGreaterThanOrEqual(1)

    // Every other credential kind (bob), and a refresh (a new refresh token).
    const bob = await call(stack, '/v1/auth/login', { body: { username: 'bob', password: 'bob-password' } })
    const bobAccess = bob.body.accessToken as string
    const rotated = await call(stack, '/v1/auth/refresh', { body: { refreshToken: bob.body.refreshToken } })
    expect(rotated.status).toBe(200)
    secrets.push(
      bobAccess,
      bob.body.refreshToken as string,
      rotated.body.refreshToken as string,
      rotated.body.accessToken as string,
    )
    const viaProtocol = await open(stack.wsUrl, {
      protocols: ['portcullis.v1', `portcullis.bearer.${bobAccess}`],
    })
    const viaHeader = await open(stack.wsUrl, { headers: { authorization: `Bearer ${bobAccess}` } })
    const viaQuery = await open(`${stack.wsUrl}?access_token=${bobAccess}`)
    // Rate limiting: a burst over MSG_BURST on one socket.
    for (let i = 0; i < 12; i++) viaHeader.ws.send(JSON.stringify({ type: 'ping', id: `r${i}` }))
    await viaHeader.next((f) => f.type === 'error' && f.code === 'rate_limited')
    for (const s of [viaProtocol, viaHeader, viaQuery]) s.ws.close()

    // Failed upgrades: an unknown ticket and a forged bearer, then enough to block the IP.
    const badTicket = `bogus-${hex(16)}`
    const badBearer = `eyJhbGciOiJFUzI1NiJ9.${hex(20)}.${hex(20)}`
    secrets.push(badTicket, badBearer)
    expect(await refusedStatus(`${stack.wsUrl}?ticket=${badTicket}`)).toBe(401)
    expect(await refusedStatus(stack.wsUrl, { headers: { authorization: `Bearer ${badBearer}` } })).toBe(401)

    // Logout revokes the session: alice's socket closes 4401, revocation latency is recorded.
    expect((await call(stack, '/v1/auth/logout', { bearer: access })).status).toBe(204)
    expect((await alice.closed).code).toBe(4401)

    for (let i = 0; i < 6; i++) await refusedStatus(`${stack.wsUrl}?ticket=bogus-${i}-${hex(8)}`)
    expect(await refusedStatus(stack.wsUrl, { headers: { authorization: `Bearer ${bobAccess}` } })).toBe(429)
    await waitFor(async () => (await otel.value(METRIC.ACTIVE_CONNECTIONS)) === 0, 'all sockets closed')

    // ── One trace: login → ticket → upgrade ──
    const spans = otel.spans()
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId)
    const serverPath = (path: string) =>
      inTrace.find((s) => s.kind === SpanKind.SERVER && s.attributes[ATTR.URL_PATH] === path)
    expect(serverPath('/v1/auth/login'), 'login span').toBeDefined()
    // Redis commands of those requests are spans of the same trace (command name only).
    expect(inTrace.some((s) => s.name.startsWith('redis-'))).toBe(true)
    const ticketSpan = serverPath('/v1/auth/ws-ticket')
    expect(ticketSpan, 'ticket span').toBeDefined()
    const upgrade = inTrace.find((s) => s.name === 'ws.upgrade')
    expect(upgrade?.attributes).toMatchObject({
      [ATTR.OUTCOME]: 'accepted',
      [ATTR.CREDENTIAL]: 'ticket',
      [ATTR.HTTP_STATUS]: 101,
      [ATTR.URL_PATH]: '/v1/ws',
    })
    // The upgrade continues the api's ticket request (a span the api recorded), not just the client's id.
    const parentId = upgrade?.parentSpanContext?.spanId
    expect(inTrace.some((s) => s.spanContext().spanId === parentId && s.resource)).toBe(true)

    // ── Connection span and linked message spans ──
    const connection = inTrace.find((s) => s.name === 'ws.connection')
    expect(connection?.parentSpanContext?.spanId).toBe(upgrade?.spanContext().spanId)
    expect(connection?.attributes).toMatchObject({
      [ATTR.CLOSE_CODE]: 4401,
      [ATTR.CLOSE_REASON]: 'session_revoked',
    })
    const messages = spans.filter(
      (s) =>
        s.name.startsWith('ws.message') && s.links[0]?.context.spanId === connection?.spanContext().spanId,
    )
    expect(messages.map((m) => m.attributes[ATTR.MESSAGE_TYPE])).toEqual(
      expect.arrayContaining(['ping', 'subscribe', 'publish', 'unknown']),
    )
    expect(
      messages.find((m) => m.attributes[ATTR.MESSAGE_TYPE] === 'publish')?.attributes[ATTR.OUTCOME],
    ).toBe('ok')
    expect(messages.filter((m) => m.attributes[ATTR.OUTCOME] === 'forbidden')).toHaveLength(1)
    expect(messages.every((m) => m.spanContext().traceId !== traceId)).toBe(true)

    // Refusals carry the decision; every credential kind was accepted once.
    const upgrades = spans.filter((s) => s.name === 'ws.upgrade')
    expect(
      new Set(
        upgrades
          .filter((s) => s.attributes[ATTR.OUTCOME] === 'accepted')
          .map((s) => s.attributes[ATTR.CREDENTIAL]),
      ),
    ).toEqual(new Set(['ticket', 'subprotocol', 'authorization', 'query']))
    expect(upgrades.find((s) => s.attributes[ATTR.HTTP_STATUS] === 401)?.events.map((e) => e.name)).toContain(
      'ws.upgrade.refused',
    )

    // ── Logs carry the trace ──
    const connected = logs.lines().find((l) => l.event === 'ws.connected' && l.traceId === traceId)
    expect(connected?.trace_id).toBe(traceId)

    // ── Every metric moved ──
    expect(await otel.value(METRIC.UPGRADES, { [ATTR.OUTCOME]: 'accepted' })).toBe(before.accepted + 4)
    expect(await otel.value(METRIC.UPGRADES, { [ATTR.OUTCOME]: 'refused' })).toBeGreaterThanOrEqual(
      before.refused + 9,
    )
    expect(await otel.value(METRIC.AUTH_FAILURES, { [ATTR.SOURCE]: 'login' })).toBe(before.loginFailures + 1)
    expect(await otel.value(METRIC.AUTH_FAILURES, { [ATTR.SOURCE]: 'upgrade' })).toBeGreaterThanOrEqual(
      before.upgradeFailures + 6,
    )
    expect(await otel.value(METRIC.MESSAGES, { [ATTR.MESSAGE_TYPE]: 'publish', [ATTR.OUTCOME]: 'ok' })).toBe(
      before.publishOk + 1,
    )
    expect(await otel.value(METRIC.RATE_LIMITED)).toBeGreaterThan(before.rateLimited)
    expect(await otel.value(METRIC.INVALID_MESSAGES)).toBe(before.invalid + 2)
    expect(await otel.value(METRIC.MESSAGE_DURATION)).toBeGreaterThanOrEqual(before.duration + 5)
    expect(await otel.value(METRIC.REVOCATION_LATENCY)).toBe(before.revocation + 1)
    expect(await otel.value(METRIC.IP_BLOCKS)).toBe(before.blocks + 1)
    expect(await otel.value(METRIC.SECURITY_EVENTS)).toBeGreaterThan(before.events)
    expect(await otel.value(METRIC.ACTIVE_CONNECTIONS)).toBe(0)

    // ── Redaction: no secret anywhere ──
    expect(await findSecrets(otel, secrets, logs.text())).toEqual([])
  })
})
