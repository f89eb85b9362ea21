import { DEMO_USERS } from './config.ts'
import { el, setText } from './dom.ts'

/**
 * The login card: one button per demo user, a plain form, "Sign in with OpenID Connect" when the stack has an
 * identity provider, the login error and the logged-out banner.
 */
export class LoginView {
  readonly element: HTMLElement
  readonly #error: HTMLElement
  readonly #banner: HTMLElement

  constructor(
    onLogin: (username: string, password: string) => void,
    onProviderSignIn: (() => void) | null = null,
  ) {
    const username = el('input', {
      'data-testid': 'login-username',
      autocomplete: 'username',
      'aria-label': 'Username',
    })
    const password = el('input', {
      'data-testid': 'login-password',
      type: 'password',
      autocomplete: 'current-password',
      'aria-label': 'Password',
    })
    const form = el('form', { class: 'login-form' }, [
      username,
      password,
      el('button', { type: 'submit', 'data-testid': 'login-submit' }, ['Log in']),
    ])
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      onLogin(username.value, password.value)
    })
    const quick = DEMO_USERS.map((user) => {
      const button = el('button', { type: 'button', 'data-testid': `login-${user.username}` }, [
        `Log in as ${user.username}`,
      ])
      button.addEventListener('click', () => onLogin(user.username, user.password))
      return button
    })
    this.#error = el('p', { class: 'error', 'data-testid': 'login-error', role: 'alert' })
    this.#banner = el('p', { class: 'banner', 'data-testid': 'logged-out', hidden: true })
    const provider: HTMLElement[] = []
    if (onProviderSignIn) {
      const button = el('button', { type: 'button', class: 'provider', 'data-testid': 'login-oidc' }, [
        'Sign in with OpenID Connect',
      ])
      button.addEventListener('click', onProviderSignIn)
      provider.push(button)
    }
    this.element = el('section', { class: 'panel login', 'data-testid': 'login' }, [
      el('h2', {}, ['Log in']),
      this.#banner,
      el('div', { class: 'quick' }, quick),
      ...provider,
      form,
      this.#error,
    ])
  }

  error(text: string): void {
    setText(this.#error, text)
  }

  /** Shows why the user was logged out (revoked session, logout, failed refresh). */
  loggedOut(reason: string): void {
    setText(this.#banner, `Logged out: ${reason}`)
    this.#banner.hidden = false
  }

  show(visible: boolean): void {
    this.element.hidden = !visible
    if (visible) this.error('')
    else this.#banner.hidden = true
  }
}
