import type { PortcullisClient } from '@portcullis/client'
import type { Role } from '@portcullis/protocol'
import { el, setText } from './dom.ts'

/**
 * The admin panel (role `admin`): change a user's roles and revoke sessions through the api's admin routes.
 * The effects show live in the affected user's window (roles, dropped rooms, logged out).
 */
export class AdminPanel {
  readonly element: HTMLElement
  readonly #result: HTMLElement
  readonly #users: HTMLDataListElement

  constructor(client: PortcullisClient) {
    const userId = el('input', {
      'data-testid': 'admin-user-id',
      list: 'known-users',
      placeholder: 'user id',
      'aria-label': 'User id',
    })
    const roleUser = el('input', { type: 'checkbox', 'data-testid': 'admin-role-user', checked: true })
    const roleAdmin = el('input', { type: 'checkbox', 'data-testid': 'admin-role-admin' })
    const sessionId = el('input', {
      'data-testid': 'admin-session-id',
      placeholder: 'session id',
      'aria-label': 'Session id',
    })
    this.#users = el('datalist', { id: 'known-users' })
    this.#result = el('p', { class: 'result', 'data-testid': 'admin-result', role: 'status' })

    const run = (label: string, action: () => Promise<unknown>) => async () => {
      setText(this.#result, `${label}…`)
      try {
        await action()
        setText(this.#result, `${label}: done`)
      } catch (error) {
        setText(this.#result, `${label}: ${(error as Error).message}`)
      }
    }
    const button = (testId: string, label: string, action: () => Promise<unknown>) => {
      const b = el('button', { type: 'button', 'data-testid': testId }, [label])
      b.addEventListener('click', () => void run(label, action)())
      return b
    }
    const roles = (): Role[] => [
      ...(roleUser.checked ? ['user' as const] : []),
      ...(roleAdmin.checked ? ['admin' as const] : []),
    ]

    this.element = el('section', { class: 'panel admin', 'data-testid': 'admin-panel', hidden: true }, [
      el('h2', {}, ['Admin']),
      el('div', { class: 'row' }, [
        userId,
        el('label', {}, [roleUser, ' user']),
        el('label', {}, [roleAdmin, ' admin']),
        button('admin-set-roles', 'Set roles', () =>
          client.api.setRoles(client.accessToken(), userId.value.trim(), roles()),
        ),
        button('admin-revoke-user', 'Revoke all sessions', () =>
          client.api.revokeUserSessions(client.accessToken(), userId.value.trim()),
        ),
      ]),
      el('div', { class: 'row' }, [
        sessionId,
        button('admin-revoke-session', 'Revoke session', () =>
          client.api.revokeSession(client.accessToken(), sessionId.value.trim()),
        ),
      ]),
      this.#users,
      this.#result,
    ])
  }

  /** Offers a user id seen on the wire (the api has no user listing). */
  knownUser(id: string, username: string): void {
    if ([...this.#users.options].some((o) => o.value === id)) return
    this.#users.append(el('option', { value: id, label: username }))
  }

  show(visible: boolean): void {
    this.element.hidden = !visible
  }
}
