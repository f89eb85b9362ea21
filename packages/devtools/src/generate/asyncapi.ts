/**
 * The AsyncAPI 3.1 document of the WebSocket protocol, built from `@portcullis/protocol`: the message schemas
 * (TypeBox → JSON Schema), the request → reply pairs, the credential forms, the close codes and error codes.
 * The document describes the realtime server: it `receive`s client messages and `send`s server messages.
 */
import {
  BEARER_SUBPROTOCOL_PREFIX,
  CLIENT_MESSAGE_SCHEMAS,
  CLOSE_CODE_LIST,
  ERROR_CODES,
  PROTOCOL_VERSION,
  REPLY_TYPES,
  SERVER_MESSAGE_SCHEMAS,
  SUBPROTOCOL,
} from '@portcullis/protocol'
import { jsonSchema, withoutIds, type JsonSchema } from './schema-words.ts'

type ClientType = keyof typeof CLIENT_MESSAGE_SCHEMAS
type ServerType = keyof typeof SERVER_MESSAGE_SCHEMAS

/** Component key of a message: `client.<type>` / `server.<type>` (`unsubscribed` exists in one direction only). */
export const messageKey = (direction: 'client' | 'server', type: string): string => `${direction}.${type}`

const ref = (path: string) => ({ $ref: path })
const channelRef = ref('#/channels/socket')
const messageRef = (key: string) => ref(`#/channels/socket/messages/${key}`)

/** Server messages that may arrive without a request (no required `id`). */
export function pushTypes(): ServerType[] {
  return (Object.keys(SERVER_MESSAGE_SCHEMAS) as ServerType[]).filter(
    (type) => !(jsonSchema(SERVER_MESSAGE_SCHEMAS[type]).required ?? []).includes('id'),
  )
}

const CREDENTIALS = `Credentials are checked **before** the upgrade; the first form present wins:

1. \`?ticket=<ticket>\` — recommended for browsers: a single-use ticket from the api (\`POST /v1/auth/ws-ticket\`),
   consumed atomically, bound to the session and to the \`Origin\` it was minted with.
2. \`Sec-WebSocket-Protocol: ${SUBPROTOCOL}, ${BEARER_SUBPROTOCOL_PREFIX}<jwt>\` — the server answers \`${SUBPROTOCOL}\`
   and never echoes the token; a bearer entry without \`${SUBPROTOCOL}\` is refused.
3. \`Authorization: Bearer <jwt>\` — for non-browser clients.
4. \`?access_token=<jwt>\` — development only (\`ALLOW_QUERY_TOKEN\`), refused in production.

Refusals come before \`101\`, as JSON \`{error, message}\`, in this order: 400 malformed handshake; 429 blocked IP or
per-IP connect rate; 403 \`Origin\` not allowed; 401 missing, invalid, expired or revoked credential or a spent
ticket (503 instead whenever the session store or the key set is needed and unreachable); 429 per-user connection
limit; 503 past the instance's connection cap. Only \`/v1/ws\` ever answers a handshake with \`101\`.`

function closeCodesMarkdown(): string {
  return [
    '| code | reason | when | client action |',
    '|---|---|---|---|',
    ...CLOSE_CODE_LIST.map(
      (c) => `| ${c.code} | ${c.reason ?? '(set by the WebSocket library)'} | ${c.when} | ${c.action} |`,
    ),
  ].join('\n')
}

function errorCodesMarkdown(): string {
  return [
    '| code | meaning | client action |',
    '|---|---|---|',
    ...Object.entries(ERROR_CODES).map(([code, e]) => `| ${code} | ${e.description} | ${e.clientAction} |`),
  ].join('\n')
}

function message(direction: 'client' | 'server', type: string, schema: JsonSchema): Record<string, unknown> {
  const hasId = Boolean(schema.properties?.id)
  return {
    name: type,
    title: type,
    summary: schema.description,
    contentType: 'application/json',
    payload: withoutIds(schema),
    ...(hasId
      ? {
          correlationId: {
            description: 'The request `id`, echoed by its reply.',
            location: '$message.payload#/id',
          },
        }
      : {}),
    'x-direction': direction === 'client' ? 'client → server' : 'server → client',
  }
}

/** The AsyncAPI 3.1 document as a plain object (the generator writes it as YAML). */
export function asyncApiDocument(): Record<string, unknown> {
  const clientTypes = Object.keys(CLIENT_MESSAGE_SCHEMAS) as ClientType[]
  const serverTypes = Object.keys(SERVER_MESSAGE_SCHEMAS) as ServerType[]
  const messages: Record<string, unknown> = {}
  for (const type of clientTypes)
    messages[messageKey('client', type)] = message('client', type, jsonSchema(CLIENT_MESSAGE_SCHEMAS[type]))
  for (const type of serverTypes)
    messages[messageKey('server', type)] = message('server', type, jsonSchema(SERVER_MESSAGE_SCHEMAS[type]))

  const operations: Record<string, unknown> = {}
  for (const type of clientTypes) {
    operations[`receive.${type}`] = {
      action: 'receive',
      channel: channelRef,
      title: `${type} → ${REPLY_TYPES[type]}`,
      summary: jsonSchema(CLIENT_MESSAGE_SCHEMAS[type]).description,
      messages: [messageRef(messageKey('client', type))],
      reply: {
        channel: channelRef,
        messages: [
          messageRef(messageKey('server', REPLY_TYPES[type])),
          messageRef(messageKey('server', 'error')),
        ],
      },
    }
  }
  for (const type of pushTypes()) {
    operations[`send.${type}`] = {
      action: 'send',
      channel: channelRef,
      title: `push ${type}`,
      summary: jsonSchema(SERVER_MESSAGE_SCHEMAS[type]).description,
      messages: [messageRef(messageKey('server', type))],
    }
  }

  const security = ['ticket', 'bearerSubprotocol', 'bearerHeader'].map((name) =>
    ref(`#/components/securitySchemes/${name}`),
  )
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Portcullis realtime protocol',
      version: `${PROTOCOL_VERSION}.0.0`,
      description: [
        `The authenticated WebSocket protocol of Portcullis, version ${PROTOCOL_VERSION} (subprotocol \`${SUBPROTOCOL}\`).`,
        'JSON text frames; every message is an object with a string `type`; unknown fields are rejected with an',
        '`error` and nothing is processed. Client messages carry an `id` (1–64 characters) that the reply — an `error`',
        'included — echoes. Times on the wire are epoch milliseconds. Binary frames close the socket with 1003.',
        '',
        'Generated from the TypeBox schemas of `@portcullis/protocol` by `pnpm run generate`.',
      ].join('\n'),
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      development: {
        host: 'localhost:3002',
        protocol: 'ws',
        description: '`pnpm dev` (wss under `pnpm dev:tls`).',
        security: [...security, ref('#/components/securitySchemes/queryToken')],
      },
      production: {
        host: '{host}',
        protocol: 'wss',
        description: 'Your deployment; production refuses plaintext and query-string tokens.',
        variables: {
          host: { default: 'chat.example.com', description: 'Host (and port) of your realtime service.' },
        },
        security,
      },
    },
    channels: {
      socket: {
        address: '/v1/ws',
        title: 'The authenticated WebSocket',
        description: `${CREDENTIALS}\n\n## Close codes\n\n${closeCodesMarkdown()}\n\n## Error codes (\`error\` frames)\n\n${errorCodesMarkdown()}`,
        messages,
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              properties: {
                ticket: { type: 'string', description: 'Single-use ticket from `POST /v1/auth/ws-ticket`.' },
                access_token: { type: 'string', description: 'Access token (development only).' },
              },
            },
            headers: {
              type: 'object',
              properties: {
                'Sec-WebSocket-Protocol': {
                  type: 'string',
                  description: `\`${SUBPROTOCOL}\`, optionally followed by \`${BEARER_SUBPROTOCOL_PREFIX}<jwt>\`.`,
                },
                Authorization: { type: 'string', description: '`Bearer <jwt>` (non-browser clients).' },
                Origin: { type: 'string', description: 'Checked against `ALLOWED_ORIGINS` when present.' },
              },
            },
            bindingVersion: '0.1.0',
          },
        },
      },
    },
    operations,
    components: {
      securitySchemes: {
        ticket: {
          type: 'httpApiKey',
          name: 'ticket',
          in: 'query',
          description:
            'Single-use ticket (≥ 128 random bits, at most `TICKET_TTL_S`), bound to the session and Origin.',
        },
        bearerSubprotocol: {
          type: 'httpApiKey',
          name: 'Sec-WebSocket-Protocol',
          in: 'header',
          description: `Access token as the subprotocol entry \`${BEARER_SUBPROTOCOL_PREFIX}<jwt>\` next to \`${SUBPROTOCOL}\`.`,
        },
        bearerHeader: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Access token (ES256 or EdDSA JWT) in `Authorization`.',
        },
        queryToken: {
          type: 'httpApiKey',
          name: 'access_token',
          in: 'query',
          description: 'Access token in the query string: development only.',
        },
      },
    },
    'x-close-codes': CLOSE_CODE_LIST.map((c) => ({ ...c })),
    'x-error-codes': Object.entries(ERROR_CODES).map(([code, e]) => ({ code, ...e })),
  }
}
