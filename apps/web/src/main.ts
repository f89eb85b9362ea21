import { PortcullisClient, type PortcullisError } from '@portcullis/client'
import { parseSecurityFeedEntry, SECURITY_FEED_CHANNEL, type Role } from '@portcullis/protocol'
import { AdminConsole } from './admin-console.ts'
import { ADMIN_ROOM, DEMO_USERS, LOBBY, config } from './config.ts'
import { Controls } from './controls.ts'
import { DirectMessages } from './direct-messages.ts'
import { el } from './dom.ts'
import { EventLog } from './event-log.ts'
import { LoginView } from './login-view.ts'
import { finishSignIn, startSignIn } from './oidc.ts'
import { RoomsView } from './rooms-view.ts'
import { SecurityFeedView } from './security-feed-view.ts'
import { StatusPanel } from './status-panel.ts'

// The whole demo: one client (tokens in memory only, a fresh ticket per connect), and views that
// only ever render server data as text.
const client = new PortcullisClient({ apiUrl: config.apiUrl, realtimeUrl: config.realtimeUrl })

const status = new StatusPanel()
const events = new EventLog()
const direct = new DirectMessages((to, text) => {
  status.frameSent()
  client
    .sendDirect(to.id, text)
    .then(({ messageId }) => {
      const inbox = client.user && `user:${client.user.id}`
      if (inbox) rooms.sent(inbox, to.username, messageId, text)
    })
    .catch((error: PortcullisError) => status.error(describe(error)))
})
const rooms = new RoomsView(
  (channel, text) => {
    status.frameSent()
    client.publish(channel, text).catch((error: PortcullisError) => status.error(describe(error)))
  },
  [direct.element],
)
const login = new LoginView(
  (username, password) => void logIn(username, password),
  config.oidc ? () => void signInWithProvider() : null,
)
const feed = new SecurityFeedView()
const admin = new AdminConsole(client, feed)
const controls = new Controls(client, { frameSent: () => status.frameSent(), reconnect: () => connect() })
const main = el('main', { 'data-testid': 'main', hidden: true }, [
  rooms.element,
  admin.element,
  controls.element,
])
const render = () => {
  status.render(client)
  feed.live(client.state === 'open' && client.channels.includes(SECURITY_FEED_CHANNEL))
}
let shownRoles = ''

for (const user of DEMO_USERS) direct.knownUser(user.id, user.username)

document
  .querySelector('#app')
  ?.append(el('aside', { class: 'side' }, [login.element, status.element, events.element]), main)

async function logIn(username: string, password: string): Promise<void> {
  await begin(() => client.login(username, password))
}

/** Opens the session (password login or identity-provider exchange), then connects. */
async function begin(open: () => Promise<unknown>): Promise<void> {
  login.error('')
  try {
    await open()
  } catch (error) {
    login.error(describe(error as PortcullisError))
    status.error(describe(error as PortcullisError))
    render()
    return
  }
  login.show(false)
  main.hidden = false
  connect()
}

/** "Sign in with OpenID Connect": off to the provider; back here with a code (see the end of this file). */
async function signInWithProvider(): Promise<void> {
  if (!config.oidc) return
  try {
    await startSignIn(config.oidc)
  } catch (error) {
    login.error(`OpenID Connect: ${(error as Error).message}`)
  }
}

/** Back from the provider: the code becomes an ID token, the ID token a Portcullis session (`client.exchange`). */
async function resumeProviderSignIn(): Promise<void> {
  if (!config.oidc) return
  let result
  try {
    result = await finishSignIn(config.oidc)
  } catch (error) {
    login.error(`OpenID Connect: ${(error as Error).message}`)
    return
  }
  if (!result) return
  events.add('signed in at the identity provider; exchanging its ID token')
  await begin(() => client.exchange({ subjectToken: result.idToken, nonce: result.nonce }))
}

function connect(): void {
  client.connect().catch((error: PortcullisError) => status.error(describe(error)))
}

function subscribe(channel: string, onError: () => void = () => {}): void {
  if (client.channels.includes(channel)) return
  status.frameSent()
  client.subscribe(channel).catch((error: PortcullisError) => {
    onError()
    status.error(describe(error))
  })
}

function join(channel: string, title: string): void {
  rooms.add(channel, title)
  subscribe(channel, () => rooms.remove(channel))
}

/** Shows what the live roles allow (admin room, console, security feed); a lost role removes them at once. */
function syncRoles(roles: readonly Role[]): void {
  const isAdmin = roles.includes('admin')
  admin.show(isAdmin)
  if (isAdmin) {
    join(ADMIN_ROOM, 'Admins')
    subscribe(SECURITY_FEED_CHANNEL)
  } else rooms.remove(ADMIN_ROOM) // the server drops both subscriptions itself (`unsubscribed forbidden`)
}

client.on('welcome', (welcome) => {
  shownRoles = welcome.user.roles.join(', ')
  events.add(`welcome: connection ${welcome.connectionId}, roles ${shownRoles}`)
  status.welcome(welcome.connectionId, welcome.limits.idleTimeoutMs)
  direct.setSelf(welcome.user.id)
  join(LOBBY, 'Lobby')
  join(`user:${welcome.user.id}`, 'Direct messages to you')
  syncRoles(welcome.user.roles)
})
client.on('rolesChanged', ({ roles }) => {
  // The SDK also reports the welcome's roles; log only real changes (`session.updated`).
  if (roles.join(', ') !== shownRoles) events.add(`roles changed: ${roles.join(', ') || '(none)'}`)
  shownRoles = roles.join(', ')
  syncRoles(roles)
  render()
})
client.on('unsubscribed', ({ channel, reason }) => {
  events.add(`unsubscribed from ${channel} (${reason})`)
  rooms.remove(channel)
})
client.on('expiring', ({ expiresAt }) => {
  events.add(`auth.expiring: socket expires in ${Math.round((expiresAt - Date.now()) / 1000)} s, refreshing`)
})
client.on('close', ({ code, reason, willReconnect }) => {
  events.add(`close ${code} ${reason || '(no reason)'}${willReconnect ? ', reconnecting' : ''}`)
})
client.on('message', (message) => {
  const entry = parseSecurityFeedEntry(message)
  if (entry) {
    feed.add(entry, (id) => admin.username(id))
    admin.refresh()
    return
  }
  rooms.message(message)
  direct.knownUser(message.from.id, message.from.username)
  rooms.suggest(`user:${message.from.id}`)
})
client.on('error', (error) => {
  events.add(`error ${describe(error)}`)
  status.error(describe(error))
  render()
})
client.on('loggedOut', ({ reason }) => {
  events.add(`logged out (${reason})`)
  rooms.clear()
  admin.show(false)
  feed.clear()
  direct.setSelf(undefined)
  main.hidden = true
  login.show(true)
  login.loggedOut(reason)
  render()
})
client.on('state', render)
client.on('close', render)
client.on('expiry', render)

render()
setInterval(render, 250)
void resumeProviderSignIn()

function describe(error: PortcullisError): string {
  return `${error.code}: ${error.message}`
}
