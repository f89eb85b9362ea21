import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/** Path of the system Chromium (Debian package `chromium`), or `CHROMIUM_PATH`. */
export function chromiumPath(): string {
  const found = [process.env.CHROMIUM_PATH, ...CANDIDATES].find((p): p is string => !!p && existsSync(p))
  if (!found) throw new Error('no Chromium found: apt-get install chromium, or set CHROMIUM_PATH')
  return found
}

/**
 * Launches Debian Chromium headless through playwright-core, with the flags this closed network needs.
 * @example const browser = await launchChromium(); onTestFinished(() => browser.close())
 */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage',
    ],
  })
}
