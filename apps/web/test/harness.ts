import { startStack, type Stack, type StackOptions } from '@portcullis/test-stack'
import { launchChromium } from '@portcullis/testkit/browser'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { startDemoServer, type DemoServer } from './demo-server.ts'

/** What one e2e file works with: the built demo, the stack it talks to, one Chromium. */
export interface DemoHarness {
  readonly browser: Browser
  readonly demo: DemoServer
  readonly stack: Stack
}

/**
 * Registers the per-file setup: the demo's static server (its origin is the one the stack allows), the real api +
 * realtime (`stackOptions` may widen origins or shorten limits), the demo built against them, and one headless
 * Chromium; everything is closed after the file. Read the fields inside tests, not at module level.
 */
export function useDemo(stackOptions: (demo: DemoServer) => StackOptions = () => ({})): DemoHarness {
  const harness = {} as { browser: Browser; demo: DemoServer; stack: Stack }
  beforeAll(async () => {
    harness.demo = await startDemoServer()
    harness.stack = await startStack({
      label: 'web',
      allowedOrigins: [harness.demo.origin],
      ...stackOptions(harness.demo),
    })
    await Promise.all([
      harness.demo.build(harness.stack),
      launchChromium().then((browser) => (harness.browser = browser)),
    ])
  })
  afterAll(async () => {
    await harness.browser?.close()
    await harness.stack?.close()
    await harness.demo?.close()
  })
  return harness
}
