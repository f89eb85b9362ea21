import { el } from './dom.ts'

/**
 * "Message a user": pick someone, type, send. The message goes to their inbox (`user:<id>`): only they receive it,
 * with the sender the server stamped. Recipients are the demo users and everyone seen on the wire, never yourself.
 */
export class DirectMessages {
  readonly element: HTMLElement
  readonly #to: HTMLSelectElement
  readonly #text: HTMLInputElement
  readonly #users = new Map<string, string>()
  #self: string | undefined

  constructor(onSend: (to: { id: string; username: string }, text: string) => void) {
    this.#to = el('select', { 'data-testid': 'dm-to', 'aria-label': 'Recipient' })
    this.#text = el('input', {
      'data-testid': 'dm-text',
      placeholder: 'Direct message (plain text)',
      maxlength: '2000',
      'aria-label': 'Direct message',
    })
    const form = el('form', { class: 'compose direct', 'data-testid': 'dm-form' }, [
      el('span', { class: 'label' }, ['Message a user']),
      this.#to,
      this.#text,
      el('button', { type: 'submit', 'data-testid': 'dm-send' }, ['Send privately']),
    ])
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const id = this.#to.value
      const username = this.#users.get(id)
      const text = this.#text.value
      if (!username || !text) return
      onSend({ id, username }, text)
      this.#text.value = ''
    })
    this.element = form
  }

  /** Offers a user as a recipient (idempotent). */
  knownUser(id: string, username: string): void {
    if (this.#users.get(id) === username) return
    this.#users.set(id, username)
    this.#render()
  }

  /** The signed-in user, left out of the recipients (undefined when logged out). */
  setSelf(id: string | undefined): void {
    this.#self = id
    this.#render()
  }

  #render(): void {
    const selected = this.#to.value
    const options = [...this.#users]
      .filter(([id]) => id !== this.#self)
      .toSorted(([, a], [, b]) => a.localeCompare(b))
      .map(([id, username]) => el('option', { value: id, selected: id === selected }, [username]))
    this.#to.replaceChildren(...options)
  }
}
