// A Node service that logs in, joins the lobby, says hello and prints what it hears.
//
// Run it against `pnpm dev` from the repository root:
//   node --conditions=source docs/examples/node-client.ts
// Settings (all optional): PORTCULLIS_API_URL (default http://localhost:3001),
// PORTCULLIS_REALTIME_URL (default ws://localhost:3002), PORTCULLIS_USER / PORTCULLIS_PASSWORD (default bob),
// PORTCULLIS_EXIT_AFTER_MS (stop after this long; default: run until Ctrl-C).
//
// In your own project, depend on @portcullis/client and import from '@portcullis/client' instead.
import { PortcullisClient, PortcullisError } from '../../packages/client/src/index.ts'

const env = process.env
const client = new PortcullisClient({
  apiUrl: env.PORTCULLIS_API_URL ?? 'http://localhost:3001',
  realtimeUrl: env.PORTCULLIS_REALTIME_URL ?? 'ws://localhost:3002',
  // Node has no page Origin to bind a ticket to: send the access token in the subprotocol instead
  // (never in the URL). With the `ws` package you can use 'authorization-header' and pass
  // createWebSocket: (url, protocols, headers) => new WebSocket(url, protocols, { headers }).
  auth: 'bearer-subprotocol',
})

client.on('state', ({ state }) => console.error(`[state] ${state}`))
client.on('close', ({ code, reason, willReconnect }) =>
  console.error(`[close] ${code} ${reason}${willReconnect ? ' (reconnecting)' : ''}`),
)
client.on('rolesChanged', ({ roles }) => console.error(`[roles] ${roles.join(', ')}`))
client.on('error', (error) => console.error(`[error] ${error.code}: ${error.message}`))
client.on('loggedOut', ({ reason }) => {
  console.error(`[logged out] ${reason}`)
  if (reason !== 'logout') process.exitCode = 1 // revoked by an admin, or the refresh was refused
})
client.on('message', (message) => {
  // Message text is untrusted plain text: print it, never evaluate or render it as markup.
  process.stdout.write(`${message.channel} ${message.from.username}: ${message.text}\n`)
})

try {
  const username = env.PORTCULLIS_USER ?? 'bob'
  await client.login(username, env.PORTCULLIS_PASSWORD ?? `${username}-password`)
  const welcome = await client.connect()
  console.error(`[welcome] ${welcome.user.username}, limits ${JSON.stringify(welcome.limits)}`)
  await client.subscribe('public:lobby')
  const published = await client.publish('public:lobby', `hello from a Node service (${username})`)
  console.error(`[published] ${published.messageId}`)
} catch (error) {
  const detail = error instanceof PortcullisError ? `${error.code}: ${error.message}` : String(error)
  console.error(`[failed] ${detail}`)
  process.exit(1)
}

const stop = async () => {
  await client.logout().catch(() => {})
  process.exit(process.exitCode ?? 0)
}
process.once('SIGINT', () => void stop())
if (env.PORTCULLIS_EXIT_AFTER_MS) setTimeout(() => void stop(), Number(env.PORTCULLIS_EXIT_AFTER_MS))
