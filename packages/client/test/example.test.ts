import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { waitFor } from '@portcullis/testkit'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { PortcullisClient } from '../src/index.ts'
import { startStack, type Stack } from '@portcullis/test-stack'

// The Node example in docs/ runs as documented against the real stack.

const EXAMPLE = fileURLToPath(new URL('../../../docs/examples/node-client.ts', import.meta.url))

let stack: Stack
beforeAll(async () => {
  stack = await startStack({ label: 'client' })
})
afterAll(async () => {
  await stack?.close()
})

describe('docs/examples/node-client.ts', () => {
  it('logs in, joins the lobby and says hello; another client hears it', async () => {
    const alice = new PortcullisClient({ apiUrl: stack.apiUrl, realtimeUrl: stack.realtimeUrl })
    onTestFinished(() => alice.disconnect())
    await alice.login('alice', 'alice-password')
    await alice.connect()
    await alice.subscribe('public:lobby')
    const heard: string[] = []
    alice.on('message', (m) => heard.push(`${m.from.username}: ${m.text}`))

    const child = spawn(process.execPath, ['--conditions=source', EXAMPLE], {
      env: {
        ...process.env,
        PORTCULLIS_API_URL: stack.apiUrl,
        PORTCULLIS_REALTIME_URL: stack.realtimeUrl,
        PORTCULLIS_EXIT_AFTER_MS: '1500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve))

    expect(stderr).toContain('[welcome] bob')
    expect(stdout).toContain('public:lobby bob: hello from a Node service (bob)')
    expect(exitCode).toBe(0)
    await waitFor(() => heard.includes('bob: hello from a Node service (bob)'), 'alice hears bob')
    // Secrets never reach the output.
    expect(stdout + stderr).not.toMatch(/password|eyJ/)
  })
})
