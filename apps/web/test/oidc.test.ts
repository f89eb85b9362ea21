import { startStack, waitForIdentityProvider, type Stack } from '@portcullis/test-stack'
import { freePort } from '@portcullis/testkit'
import { launchChromium } from '@portcullis/testkit/browser'
import { startOidcProvider, type OidcTestProvider } from '@portcullis/testkit/oidc'
import { signJwt } from '@portcullis/tokens/testing'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer, type DemoServer } from './demo-server.ts'
import { errorsOf, expectText, messages, openAs, send } from './page.ts'

// "Sign in with OpenID Connect" in headless Chromium: the demo sends the browser to a real provider (oidc-provider on
// loopback), the user signs in on its page, the code comes back, PKCE redeems it for an ID token, the api exchanges
// that for a Portcullis session, and the SDK drives it — chat included. The provider's back-channel logout then
// ends the session in the page.

const CLIENT_ID = 'portcullis-demo'
let browser: Browser
let demo: DemoServer
let stack: Stack
let idp: OidcTestProvider

beforeAll(async () => {
  demo = await startDemoServer()
  const apiPort = await freePort()
  idp = await startOidcProvider({
    users: [{ username: 'carol', password: 'carol-password', roles: ['demo-admin'] }],
    clients: [
      {
        clientId: CLIENT_ID,
        redirectUris: [`${demo.origin}/`],
        backchannelLogoutUri: `http://127.0.0.1:${apiPort}/v1/auth/oidc/backchannel-logout`,
      },
    ],
  })
  stack = await startStack({
    label: 'web-oidc',
    apiPort,
    allowedOrigins: [demo.origin],
    api: { OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: CLIENT_ID, OIDC_ADMIN_VALUES: 'demo-admin' },
  })
  await Promise.all([
    waitForIdentityProvider(stack.apiUrl, idp, CLIENT_ID),
    demo.build({ ...stack, oidc: { issuer: idp.issuer, clientId: CLIENT_ID } }),
    launchChromium().then((b) => (browser = b)),
  ])
})
afterAll(async () => {
  await browser?.close()
  await stack?.close()
  await idp?.close()
  await demo?.close()
})

describe('demo: Sign in with OpenID Connect', () => {
  it('carol signs in at the provider, chats with alice, and the provider logs her out', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 820 } })
    const carol = await context.newPage()
    await carol.goto(demo.origin)
    await carol.getByTestId('login-oidc').click()
    // The provider's own login page (another origin): the page navigated there.
    await carol.waitForURL((url) => url.href.startsWith(`${idp.issuer}/interaction/`))
    await carol.locator('input[name="username"]').fill('carol')
    await carol.locator('input[name="password"]').fill('carol-password')
    await carol.locator('button[type="submit"]').click()
    await carol.waitForURL((url) => url.origin === demo.origin)
    await expectText(carol, 'state', 'open', 10_000)
    await expectText(carol, 'user', /^carol \(oidc_/)
    await expectText(carol, 'roles', 'user, admin')
    // Code and state left the address bar; the flow's secrets left sessionStorage.
    expect(new URL(carol.url()).search).toBe('')
    expect(await carol.evaluate(() => sessionStorage.length)).toBe(0)

    const alice = await openAs(browser, demo.origin, 'alice')
    await send(carol, 'public:lobby', 'hello from the identity provider')
    await expect
      .poll(() => messages(alice, 'public:lobby'))
      .toContain('carol: hello from the identity provider')
    await send(alice, 'public:lobby', 'welcome carol')
    await expect.poll(() => messages(carol, 'public:lobby')).toContain('alice: welcome carol')
    expect([...errorsOf(alice)]).toEqual([])

    // The provider ends carol's sessions (a logout token for her `sub`, signed with its key): the api revokes them,
    // realtime closes her socket 4401, the SDK's refresh is refused, and her page is logged out; alice stays.
    const nowS = Math.floor(Date.now() / 1000)
    const logoutToken = signJwt(
      { alg: 'RS256', kid: idp.signingKid, typ: 'logout+jwt' },
      {
        iss: idp.issuer,
        aud: CLIENT_ID,
        sub: 'sub-carol',
        jti: `e2e-${nowS}`,
        iat: nowS,
        exp: nowS + 120,
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      },
      idp.signingKey,
    )
    const res = await fetch(`${stack.apiUrl}/v1/auth/oidc/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: logoutToken }),
    })
    expect(res.status).toBe(200)
    await expectText(carol, 'logged-out', /^Logged out: /, 10_000)
    expect(await carol.getByTestId('main').isHidden()).toBe(true)
    await expectText(alice, 'state', 'open')
  })
})
