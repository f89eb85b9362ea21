import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'

const cwd = fileURLToPath(new URL('..', import.meta.url))

/** A stand-in OTLP/HTTP collector: records each request's path, content type and raw body. */
async function fakeCollector() {
  const received: Array<{ path: string; type: string; body: Buffer }> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        type: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks),
      })
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received }
}

function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', './test/fixtures/instrument.ts', './test/fixtures/app.ts'],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env } },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('export over OTLP (child process with node --import)', () => {
  it('sends traces and metrics to OTEL_EXPORTER_OTLP_ENDPOINT, without query values', async () => {
    const collector = await fakeCollector()
    const result = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'fixture-svc' })
    expect(result.code, result.stderr).toBe(0)
    const paths = collector.received.map((r) => r.path)
    expect(paths).toContain('/v1/traces')
    expect(paths).toContain('/v1/metrics')
    const traces = Buffer.concat(collector.received.filter((r) => r.path === '/v1/traces').map((r) => r.body))
    const metrics = Buffer.concat(
      collector.received.filter((r) => r.path === '/v1/metrics').map((r) => r.body),
    )
    expect(collector.received[0]?.type).toBe('application/x-protobuf')
    expect(traces.includes('fixture-svc')).toBe(true)
    expect(traces.includes('auth.login.failed')).toBe(true)
    expect(metrics.includes('portcullis.auth.failures')).toBe(true)
    expect(traces.includes('FIXTURE-SECRET') || metrics.includes('FIXTURE-SECRET')).toBe(false)
    // The pino lines carry the trace ids of the request span.
    const line = result.stdout.split('\n').find((l) => l.includes('"event":"auth.login.failed"'))
    expect(line).toMatch(/"trace_id":"[0-9a-f]{32}"/)
  })

  it('exports nothing and adds no trace ids without an endpoint', async () => {
    const result = await run({})
    expect(result.code, result.stderr).toBe(0)
    const line = result.stdout.split('\n').find((l) => l.includes('"event":"auth.login.failed"'))
    expect(line).toBeDefined()
    expect(line).not.toContain('trace_id')
  })
})

describe('shutdown', () => {
  it('is bounded and succeeds when the collector is unreachable', async () => {
    // Port 9 (discard) on loopback: nothing listens, every export fails.
    const started = Date.now()
    const result = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_LOG_LEVEL: 'none' })
    expect(result.code, result.stderr).toBe(0)
    // Generous bound: the exporter alone would retry for ≈ 10 s; shutdownTelemetry stops waiting at 2 s.
    expect(Date.now() - started).toBeLessThan(8000)
  })
})

describe("OpenTelemetry's own diagnostics and settings", () => {
  it('writes SDK diagnostics as JSON log lines, never plain text', async () => {
    // Nothing listens on port 9: the exporter fails and the SDK reports it through diag.
    const result = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_LOG_LEVEL: 'debug' })
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.split('\n').filter(Boolean)
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
    const otel = lines
      .map((l) => JSON.parse(l) as { name?: string; msg?: string })
      .filter((l) => l.name === 'otel')
    expect(otel.length).toBeGreaterThan(0)
    expect(result.stderr).toBe('')
  })

  it('refuses a bad telemetry variable with one line even without an endpoint', async () => {
    const result = await run({ OTEL_TRACES_SAMPLER: 'sometimes' })
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toMatch(
      /^invalid environment: OTEL_TRACES_SAMPLER must be one of always_on, /,
    )
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })
})
