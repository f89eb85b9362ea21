import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { REPO_ROOT } from '../src/generate/files.ts'

// scripts/audit.ts against a stand-in registry that speaks the npm bulk-advisory API (the real one cannot be reached
// from this machine: it answers 405, which is the third case).
async function registry(answer: { status: number; body: unknown }): Promise<string> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const bulk = req.url?.startsWith('/-/npm/v1/security/advisories/bulk')
      res.writeHead(bulk ? answer.status : 404, { 'content-type': 'application/json' })
      res.end(bulk ? JSON.stringify(answer.body) : '{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`
}

function audit(registryUrl: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts/audit.ts'), '--registry', registryUrl], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (out += c.toString()))
    child.on('close', (code) => resolve({ code, out }))
  })
}

const advisory = {
  id: 1,
  url: 'https://advisories.example/1',
  title: 'Request smuggling',
  severity: 'high',
  vulnerable_versions: '<99.0.0',
  cwe: [],
  cvss: { score: 7.5, vectorString: null },
}

describe('scripts/audit.ts', () => {
  it('fails on a high advisory in a production dependency, naming it', async () => {
    const { code, out } = await audit(await registry({ status: 200, body: { fastify: [advisory] } }))
    expect(code).toBe(1)
    expect(out).toContain('audit: FAILED — 0 critical, 1 high advisories in production dependencies')
    expect(out).toContain('fastify: Request smuggling https://advisories.example/1')
  })

  it('passes when the endpoint reports nothing high or critical', async () => {
    const { code, out } = await audit(await registry({ status: 200, body: {} }))
    expect(code).toBe(0)
    expect(out).toContain('audit: no high or critical advisories in production dependencies')
  })

  it('says clearly when the endpoint cannot answer, and does not fail the build for it', async () => {
    const { code, out } = await audit(await registry({ status: 405, body: { error: 'method not allowed' } }))
    expect(code).toBe(0)
    expect(out).toMatch(
      /^audit: SKIPPED — the registry's audit endpoint is unreachable, no advisories were checked/m,
    )
    expect(out).toContain('security-floor test still enforces')
  })
})
