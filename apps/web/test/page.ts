import type { Browser, Page } from 'playwright-core'
import { expect } from 'vitest'

/** Polls a test id's text until it matches (playwright-core has no `expect`; vitest's `expect.poll` does it). */
export async function expectText(
  page: Page,
  testId: string,
  expected: string | RegExp,
  timeout = 5000,
): Promise<void> {
  const read = async () => (await page.getByTestId(testId).first().textContent()) ?? ''
  if (typeof expected === 'string') await expect.poll(read, { timeout }).toBe(expected)
  else await expect.poll(read, { timeout }).toMatch(expected)
}

const consoleErrors = new WeakMap<Page, string[]>()

/** Console errors a page logged (CSP violations among them). */
export function errorsOf(page: Page): string[] {
  return consoleErrors.get(page) ?? []
}

/** Opens the demo in a fresh browser context (its own memory: no shared tokens) and logs in. */
export async function openAs(
  browser: Browser,
  origin: string,
  username: 'alice' | 'bob' | 'admin',
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 820 } })
  const page = await context.newPage()
  const errors: string[] = []
  consoleErrors.set(page, errors)
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  await page.goto(origin)
  await page.getByTestId(`login-${username}`).click()
  await expectText(page, 'state', 'open')
  return page
}

/** The messages shown in one room, as "from: text". */
export async function messages(page: Page, room: string): Promise<string[]> {
  return await page
    .locator(`[data-room="${room}"] li`)
    .evaluateAll((items) =>
      items.map(
        (li) => `${li.querySelector('.from')?.textContent}: ${li.querySelector('.text')?.textContent}`,
      ),
    )
}

/** Types a message into the compose box and sends it. */
export async function send(page: Page, channel: string, text: string): Promise<void> {
  await page.getByTestId('compose-channel').fill(channel)
  await page.getByTestId('compose-text').fill(text)
  await page.getByTestId('send').click()
}
