import type { PortcullisClient } from '@portcullis/client'
import { byTestId, countdown, el, setText } from './dom.ts'

const ROWS: Array<[id: string, label: string]> = [
  ['user', 'User'],
  ['session', 'Session id'],
  ['state', 'Connection'],
  ['connection-id', 'Connection id'],
  ['last-close', 'Last close'],
  ['token-expiry', 'Access token expires in'],
  ['socket-expiry', 'Socket expires in'],
  ['roles', 'Live roles'],
  ['rate-budget', 'Message budget'],
  ['idle', 'Idle close in'],
  ['last-error', 'Last error'],
]

/** The status panel: connection state, last close, expiry countdowns, live roles, rate budget, idle timer. */
export class StatusPanel {
  readonly element: HTMLElement
  #lastError = '—'
  #lastFrameAt = 0
  #idleTimeoutMs = 0
  #connectionId = '—'

  constructor() {
    const list = el('dl')
    for (const [id, label] of ROWS) list.append(el('dt', {}, [label]), el('dd', { 'data-testid': id }, ['—']))
    this.element = el('section', { class: 'panel status', 'data-testid': 'status-panel' }, [
      el('h2', {}, ['Status']),
      list,
    ])
  }

  /** The client sent a frame: the server's idle timer restarts. */
  frameSent(): void {
    this.#lastFrameAt = Date.now()
  }

  /** A socket opened (`welcome`): its id and the server's idle timeout. */
  welcome(connectionId: string, idleTimeoutMs: number): void {
    this.#connectionId = connectionId
    this.#idleTimeoutMs = idleTimeoutMs
    this.#lastFrameAt = Date.now()
  }

  error(text: string): void {
    this.#lastError = text
  }

  /** Redraws from the client (called on events and every 250 ms for the countdowns). */
  render(client: PortcullisClient): void {
    const row = (id: string) => byTestId(this.element, id)
    const user = client.user
    setText(row('user'), user ? `${user.username} (${user.id})` : 'logged out')
    setText(row('session'), client.sessionId ?? '—')
    setText(row('state'), client.state)
    row('state').dataset.state = client.state
    setText(row('connection-id'), client.state === 'open' ? this.#connectionId : '—')
    const close = client.lastClose
    setText(row('last-close'), close ? `${close.code} ${close.reason || '(no reason)'}` : '—')
    setText(row('token-expiry'), countdown(client.tokenExpiresAt))
    setText(row('socket-expiry'), countdown(client.socketExpiresAt))
    setText(row('roles'), client.state === 'open' && user ? user.roles.join(', ') || '(none)' : '—')
    const budget = client.rateBudget()
    setText(
      row('rate-budget'),
      client.state === 'open' ? `${budget.tokens} / ${budget.burst} (refills ${budget.ratePerS}/s)` : '—',
    )
    const idleAt = this.#lastFrameAt + this.#idleTimeoutMs
    setText(row('idle'), client.state === 'open' && this.#idleTimeoutMs ? countdown(idleAt) : '—')
    setText(row('last-error'), this.#lastError)
  }
}
