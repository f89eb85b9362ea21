import type { SecurityFeedEntry } from '@portcullis/protocol'
import { el, setText } from './dom.ts'

/** Entries kept on the page, newest first. */
const MAX_ENTRIES = 60

/** Plain words for the events the servers put on the feed (the name itself is shown too). */
const LABELS: Readonly<Record<string, string>> = {
  'ws.upgrade.refused': 'WebSocket refused',
  'ws.closed': 'socket closed',
  'ws.auth.refresh_refused': 'token refresh refused',
  'ip.blocked': 'IP blocked',
  'store.unreachable': 'store unreachable',
  'auth.login.failed': 'login failed',
  'auth.login.throttled': 'login throttled',
  'auth.token.rejected': 'token rejected',
  'auth.refresh.failed': 'refresh failed',
  'auth.refresh.reused': 'refresh token reused',
  'auth.ticket.refused': 'ticket refused',
  'auth.quota.exceeded': 'quota exceeded',
  'auth.forbidden': 'admin route refused',
  'session.revoked': 'session revoked',
  'user.roles_changed': 'roles changed',
}

/** The events that are refusals or attacks (drawn in the warning colour). */
const WARNINGS = new Set([
  'ws.upgrade.refused',
  'ws.closed',
  'ws.auth.refresh_refused',
  'ip.blocked',
  'auth.login.failed',
  'auth.login.throttled',
  'auth.token.rejected',
  'auth.refresh.failed',
  'auth.refresh.reused',
  'auth.ticket.refused',
  'auth.forbidden',
  'store.unreachable',
])

/**
 * The live security feed (`admin:security`): every security decision the servers publish, as it happens,
 * newest first. Entries are identifiers only, and reach the page as text.
 */
export class SecurityFeedView {
  readonly element: HTMLElement
  readonly #list: HTMLOListElement
  readonly #state: HTMLElement

  constructor() {
    this.#list = el('ol', { class: 'feed', 'data-testid': 'security-feed' })
    this.#state = el('span', { class: 'feed-state', 'data-testid': 'feed-state' }, ['—'])
    this.element = el('div', { class: 'feed-column' }, [
      el('h3', {}, ['Security feed ', el('code', {}, ['admin:security']), ' ', this.#state]),
      this.#list,
    ])
  }

  /** Whether the socket that carries the feed is open ("live") or not ("paused"). */
  live(open: boolean): void {
    setText(this.#state, open ? 'live' : 'paused until the socket reopens')
    this.#state.dataset.live = String(open)
  }

  /** Shows an entry; `username` names a user id when the console knows it. */
  add(entry: SecurityFeedEntry, username: (id: string) => string | undefined): void {
    const who = (id: string | undefined) => (id === undefined ? undefined : (username(id) ?? id))
    const details = [
      entry.status === undefined ? undefined : `HTTP ${entry.status}`,
      entry.code === undefined ? undefined : `close ${entry.code}`,
      entry.reason,
      who(entry.userId) && `user ${who(entry.userId)}`,
      entry.sessionId && `session ${entry.sessionId.slice(0, 8)}…`,
      entry.actor && `by ${who(entry.actor)}`,
      entry.roles === undefined ? undefined : `roles [${entry.roles}]`,
      entry.sockets === undefined ? undefined : `${entry.sockets} socket(s)`,
      entry.origin && `origin ${entry.origin}`,
      entry.ip && `ip ${entry.ip}`,
      entry.dropped ? `+${entry.dropped} more not shown (rate limit)` : undefined,
    ].filter((part): part is string => Boolean(part))
    const item = el(
      'li',
      {
        'data-testid': 'feed-entry',
        'data-event': entry.event,
        'data-reason': entry.reason,
        class: WARNINGS.has(entry.event) ? 'warn' : undefined,
      },
      [
        el('time', {}, [new Date(entry.at).toLocaleTimeString()]),
        el('strong', {}, [LABELS[entry.event] ?? entry.event]),
        el('code', { class: 'event' }, [entry.event]),
        el('span', { class: 'source' }, [entry.source]),
        el('span', { class: 'details' }, [details.join(' · ')]),
      ],
    )
    this.#list.prepend(item)
    while (this.#list.children.length > MAX_ENTRIES) this.#list.lastElementChild?.remove()
  }

  clear(): void {
    this.#list.replaceChildren()
  }
}
