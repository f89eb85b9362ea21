/**
 * Error codes carried by `error` frames. Stable: never reuse or rename a code; add new ones only.
 * `docs/reference/protocol.md` lists the same table (a test keeps them in step).
 */
export const ERROR_CODES = {
  invalid_message: {
    description:
      'Not JSON, not an object, unknown `type`, unknown or missing fields, or a value out of range.',
    clientAction: 'fix the client; 10 within a minute close the socket with 4400',
  },
  forbidden: {
    description: 'The user may not subscribe or publish to that channel (counts as an invalid message).',
    clientAction: 'do not retry with the same roles',
  },
  rate_limited: {
    description: 'The frame was over the message rate and was dropped.',
    clientAction: 'wait `retryAfterMs`, then resend',
  },
  not_subscribed: {
    description: '`unsubscribe` from a channel the socket is not subscribed to.',
    clientAction: 'nothing to undo',
  },
  too_many_subscriptions: {
    description: 'The socket already holds the maximum number of subscriptions.',
    clientAction: 'unsubscribe from another channel first',
  },
  unavailable: {
    description: 'A backing service (the session store) could not complete the request.',
    clientAction: 'retry after `retryAfterMs` with backoff',
  },
  internal_error: {
    description: 'An unexpected server failure; details are in the server log, never in the frame.',
    clientAction: 'retry with backoff; report if it persists',
  },
} as const satisfies Record<string, { description: string; clientAction: string }>

export type ErrorCode = keyof typeof ERROR_CODES

/** All error codes, in table order. */
export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as ErrorCode[]
