import type { PortcullisClient } from '@portcullis/client'
import { el, setText } from './dom.ts'

/** Frames the flood button sends back to back: well past the default burst of 40. */
const FLOOD_FRAMES = 100

/** Buttons that trigger the server's controls on purpose, with a line that reports what happened. */
export class Controls {
  readonly element: HTMLElement
  readonly #result: HTMLElement

  constructor(client: PortcullisClient, hooks: { frameSent: () => void; reconnect: () => void }) {
    this.#result = el('p', { class: 'result', 'data-testid': 'controls-result', role: 'status' })
    const button = (testId: string, label: string, title: string, action: () => void | Promise<void>) => {
      const b = el('button', { type: 'button', 'data-testid': testId, title }, [label])
      b.addEventListener('click', () => {
        Promise.resolve()
          .then(action)
          .catch((error: unknown) => setText(this.#result, `${label}: ${(error as Error).message}`))
      })
      return b
    }

    const flood = async () => {
      setText(this.#result, `flooding ${FLOOD_FRAMES} pings…`)
      const outcomes = await Promise.allSettled(
        Array.from({ length: FLOOD_FRAMES }, () => {
          hooks.frameSent()
          return client.ping()
        }),
      )
      const count = (code: string) =>
        outcomes.filter((o) => o.status === 'rejected' && (o.reason as { code?: string }).code === code)
          .length
      const ok = outcomes.filter((o) => o.status === 'fulfilled').length
      setText(
        this.#result,
        `flood: ${ok} answered, ${count('rate_limited')} rate_limited, ${count('not_connected')} cut off by the close`,
      )
    }
    const invalid = () => {
      hooks.frameSent()
      client.sendRaw('{"type":"launch_missiles","id":"demo-invalid"}')
      setText(
        this.#result,
        'sent an unknown message type: the server answers invalid_message (10 in a minute close 4400)',
      )
    }

    this.element = el('section', { class: 'panel controls', 'data-testid': 'controls' }, [
      el('h2', {}, ['Try the controls']),
      el('div', { class: 'row' }, [
        button('flood', 'Flood', 'Send 100 frames at once: rate_limited errors, then close 4429', flood),
        button('invalid', 'Invalid message', 'Send a frame with an unknown type', invalid),
        button('refresh', 'Refresh token', 'Refresh the access token now and hand it to the socket', () =>
          client.refresh(),
        ),
        button('reconnect', 'Reconnect', 'Open the socket again with a fresh ticket', hooks.reconnect),
        button('disconnect', 'Disconnect', 'Close the socket; stay logged in', () => client.disconnect()),
        button('logout', 'Log out', 'Revoke the session and close every socket of it', () => client.logout()),
      ]),
      el('p', { class: 'hint' }, [
        'Idle timer: send nothing and the server closes the socket with 4408 idle_timeout; the next message reopens it.',
      ]),
      this.#result,
    ])
  }
}
