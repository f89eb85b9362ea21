import type { AdminSession, PortcullisClient, UserInfo } from '@portcullis/client'
import type { Role } from '@portcullis/protocol'
import { el, setText } from './dom.ts'
import type { SecurityFeedView } from './security-feed-view.ts'

/** How often the console re-reads users and sessions while it is shown, ms: logins and sockets appear within it. */
const REFRESH_MS = 2000
/** Pages of each listing read at most (100 per page): a demo console, not a fleet view. */
const MAX_PAGES = 5

/** One card of the console: a user and their live sessions. */
interface UserCard {
  user: UserInfo
  sessions: AdminSession[]
}

const time = (ms: number): string => new Date(ms).toLocaleTimeString()

/** Every page of a listing, up to `MAX_PAGES`. */
async function readAll<T>(
  page: (cursor: string | undefined) => Promise<{ nextCursor: string | null; items: T[] }>,
): Promise<T[]> {
  const all: T[] = []
  let cursor: string | undefined
  for (let i = 0; i < MAX_PAGES; i++) {
    const { items, nextCursor } = await page(cursor)
    all.push(...items)
    if (!nextCursor) break
    cursor = nextCursor
  }
  return all
}

/**
 * The admin console (role `admin`): every user with their roles and live sessions, read from the api's admin
 * listings, with role toggles and Revoke buttons — nobody types an id — next to the live security feed. It re-reads
 * the listings every `REFRESH_MS`, after each action and whenever a feed entry arrives; the effects show live in the
 * affected user's window (roles, dropped rooms, logged out).
 */
export class AdminConsole {
  readonly element: HTMLElement
  readonly #client: PortcullisClient
  readonly #cards: HTMLElement
  readonly #result: HTMLElement
  readonly #usernames = new Map<string, string>()
  #timer: ReturnType<typeof setInterval> | undefined
  #rendered = ''
  #loading = false
  #again = false

  constructor(client: PortcullisClient, feed: SecurityFeedView) {
    this.#client = client
    this.#cards = el('div', { class: 'cards', 'data-testid': 'admin-users' })
    this.#result = el('p', { class: 'result', 'data-testid': 'admin-result', role: 'status' })
    this.element = el('section', { class: 'panel admin', 'data-testid': 'admin-panel', hidden: true }, [
      el('h2', {}, ['Admin console']),
      el('div', { class: 'admin-grid' }, [
        el('div', {}, [el('h3', {}, ['Users and live sessions']), this.#cards, this.#result]),
        feed.element,
      ]),
    ])
  }

  /** Shows the console and keeps it fresh, or hides it and stops reading. */
  show(visible: boolean): void {
    this.element.hidden = !visible
    clearInterval(this.#timer)
    this.#timer = undefined
    if (!visible) return
    this.#timer = setInterval(() => this.refresh(), REFRESH_MS)
    this.refresh()
  }

  /** The username of a user id the console has listed. */
  username(id: string): string | undefined {
    return this.#usernames.get(id)
  }

  /** Re-reads users and sessions now (one read at a time; a request during a read runs once it ends). */
  refresh(): void {
    if (this.element.hidden) return
    if (this.#loading) {
      this.#again = true
      return
    }
    this.#loading = true
    this.#load()
      .catch((error: Error) => setText(this.#result, `Could not list sessions: ${error.message}`))
      .finally(() => {
        this.#loading = false
        if (this.#again) {
          this.#again = false
          this.refresh()
        }
      })
  }

  async #load(): Promise<void> {
    const token = this.#client.accessToken()
    const api = this.#client.api
    const [users, sessions] = await Promise.all([
      readAll(async (cursor) => {
        const page = await api.listUsers(token, { limit: 100, ...(cursor ? { cursor } : {}) })
        return { items: page.users, nextCursor: page.nextCursor }
      }),
      readAll(async (cursor) => {
        const page = await api.listSessions(token, { limit: 100, ...(cursor ? { cursor } : {}) })
        return { items: page.sessions, nextCursor: page.nextCursor }
      }),
    ])
    const cards = new Map<string, UserCard>(users.map((user) => [user.id, { user, sessions: [] }]))
    // Users who are not in the directory (an identity provider's) come with their sessions.
    for (const s of sessions) {
      const card = cards.get(s.user.id) ?? { user: s.user, sessions: [] }
      card.user = s.user
      card.sessions.push(s)
      cards.set(s.user.id, card)
    }
    for (const { user } of cards.values()) this.#usernames.set(user.id, user.username)
    const model = [...cards.values()]
    const key = JSON.stringify(model)
    if (key === this.#rendered) return // unchanged: leave the DOM (and the pointer's target) alone
    this.#rendered = key
    this.#cards.replaceChildren(...model.map((card) => this.#card(card)))
  }

  #card({ user, sessions }: UserCard): HTMLElement {
    const role = (name: Role) => {
      const box = el('input', {
        type: 'checkbox',
        'data-testid': `role-${name}`,
        checked: user.roles.includes(name),
      })
      box.addEventListener('change', () => {
        const roles = (['user', 'admin'] as const).filter((r) =>
          r === name ? box.checked : user.roles.includes(r),
        )
        this.#act(`Roles of ${user.username}: ${roles.join(', ') || '(none)'}`, () =>
          this.#client.api.setRoles(this.#client.accessToken(), user.id, roles),
        )
      })
      return el('label', { class: 'role' }, [box, ` ${name}`])
    }
    const revokeAll = this.#button(
      'revoke-user',
      `Revoke all (${sessions.length})`,
      sessions.length === 0,
      () =>
        this.#act(`Revoke every session of ${user.username}`, () =>
          this.#client.api.revokeUserSessions(this.#client.accessToken(), user.id),
        ),
    )
    const rows = sessions.map((s) => this.#sessionRow(user, s))
    return el('article', { class: 'user-card', 'data-user': user.id }, [
      el('header', {}, [
        el('strong', { 'data-testid': 'admin-username' }, [user.username]),
        el('code', {}, [user.id]),
        el('span', { class: 'roles' }, [role('user'), role('admin')]),
        revokeAll,
      ]),
      rows.length > 0
        ? el('ul', { class: 'sessions' }, rows)
        : el('p', { class: 'hint' }, ['no live session']),
    ])
  }

  #sessionRow(user: UserInfo, s: AdminSession): HTMLElement {
    const own = s.sessionId === this.#client.sessionId
    return el('li', { 'data-testid': 'session-row', 'data-session': s.sessionId }, [
      el('span', {}, [
        el('code', { title: s.sessionId }, [`${s.sessionId.slice(0, 8)}…`]),
        own ? el('span', { class: 'own' }, ['this window']) : '',
      ]),
      el('span', {}, [`login ${time(s.createdAt)}`]),
      el('span', {}, [`refreshed ${time(s.refreshedAt)}`]),
      el(
        'span',
        { class: s.connections > 0 ? 'sockets live' : 'sockets', 'data-testid': 'session-sockets' },
        [`${s.connections} socket${s.connections === 1 ? '' : 's'}`],
      ),
      this.#button('revoke-session', 'Revoke', false, () =>
        this.#act(`Revoke ${user.username}'s session ${s.sessionId.slice(0, 8)}…`, () =>
          this.#client.api.revokeSession(this.#client.accessToken(), s.sessionId),
        ),
      ),
    ])
  }

  #button(testId: string, label: string, disabled: boolean, onClick: () => void): HTMLButtonElement {
    const button = el('button', { type: 'button', 'data-testid': testId, disabled }, [label])
    button.addEventListener('click', onClick)
    return button
  }

  /** Runs an admin action, reports it, then re-reads the listings. */
  #act(label: string, action: () => Promise<unknown>): void {
    setText(this.#result, `${label}…`)
    action()
      .then(
        () => setText(this.#result, `${label}: done`),
        (error: Error) => setText(this.#result, `${label}: ${error.message}`),
      )
      .finally(() => this.refresh())
  }
}
