import { SpanKind } from '@opentelemetry/api'
import { describe, expect, it, onTestFinished } from 'vitest'
import { ATTR } from '../src/index.ts'
import { installTestTelemetry } from '../src/testing.ts'

// Installed before fastify is first loaded, as `node --import ./src/instrument.ts` does for the apps.
const otel = installTestTelemetry()
const { default: Fastify } = await import('fastify')

describe('portcullisInstrumentations', () => {
  it('traces HTTP requests through Fastify, continues traceparent and scrubs query values', async () => {
    const app = Fastify()
    app.get('/v1/things', async () => ({ ok: true }))
    app.get('/healthz', async () => ({ ok: true }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    onTestFinished(() => app.close())
    const { port } = app.server.address() as { port: number }
    otel.reset()

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const res = await fetch(`http://127.0.0.1:${port}/v1/things?ticket=SUPER-SECRET-TICKET&x=1`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    })
    expect(res.status).toBe(200)
    await fetch(`http://127.0.0.1:${port}/healthz`)
    await app.close()

    const spans = otel.spans()
    const server = spans.find(
      (s) => s.kind === SpanKind.SERVER && s.instrumentationScope.name.includes('http'),
    )
    const request = spans.find((s) => s.name === 'request')
    expect(server?.spanContext().traceId).toBe(traceId)
    expect(server?.attributes[ATTR.URL_QUERY]).toBe('ticket=REDACTED&x=REDACTED')
    expect(server?.attributes[ATTR.URL_PATH]).toBe('/v1/things')
    expect(request?.spanContext().traceId).toBe(traceId)
    expect(request?.attributes[ATTR.URL_PATH]).toBe('/v1/things')
    expect(JSON.stringify(spans.map((s) => [s.name, s.attributes]))).not.toContain('SUPER-SECRET-TICKET')
    expect(spans.some((s) => s.attributes[ATTR.URL_PATH] === '/healthz')).toBe(false)
  })
})
