import { startStack, type Stack, type StackOptions } from '@portcullis/test-stack'
import { launchChromium } from '@portcullis/testkit/browser'
import { tcpProxy, type TcpProxy } from '@portcullis/testkit/tcp-proxy'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { startDemoServer, type DemoServer } from './demo-server.ts'

/** What one e2e file works with: the built demo, the stack it talks to, one Chromium. */
export interface DemoHarness {
  readonly browser: Browser
  readonly demo: DemoServer
  readonly stack: Stack
  /** With `{ proxyRealtime: true }`: the TCP proxy every page's WebSocket goes through (`cut()` drops them). */
  readonly proxy: TcpProxy | undefined
}

/**
 * Registers the per-file setup: the demo's static server (its origin is the one the stack allows), the real api +
 * realtime (`stackOptions` may widen origins or shorten limits), the demo built against them, and one headless
 * Chromium; everything is closed after the file. With `proxyRealtime`, the demo reaches realtime through a TCP
 * proxy the tests can cut (a dropped network). Read the fields inside tests, not at module level.
 */
export function useDemo(
  stackOptions: (demo: DemoServer) => StackOptions = () => ({}),
  options: { proxyRealtime?: boolean } = {},
): DemoHarness {
  const harness = {} as { browser: Browser; demo: DemoServer; stack: Stack; proxy: TcpProxy | undefined }
  beforeAll(async () => {
    harness.demo = await startDemoServer()
    harness.stack = await startStack({
      label: 'web',
      allowedOrigins: [harness.demo.origin],
      ...stackOptions(harness.demo),
    })
    harness.proxy = options.proxyRealtime ? await tcpProxy(harness.stack.realtimeUrl) : undefined
    await Promise.all([
      harness.demo.build({
        apiUrl: harness.stack.apiUrl,
        realtimeUrl: harness.proxy?.url ?? harness.stack.realtimeUrl,
      }),
      launchChromium().then((browser) => (harness.browser = browser)),
    ])
  })
  afterAll(async () => {
    await harness.browser?.close()
    await harness.proxy?.close()
    await harness.stack?.close()
    await harness.demo?.close()
  })
  return harness
}
