import { el } from './dom.ts'

/** Lines kept in the log. */
const MAX_LINES = 14

/** A short, newest-first log of what the connection went through (closes, roles, expiry, errors), as text. */
export class EventLog {
  readonly element: HTMLElement
  readonly #list: HTMLOListElement

  constructor() {
    this.#list = el('ol', { class: 'events', 'data-testid': 'events' })
    this.element = el('section', { class: 'panel', 'data-testid': 'event-log' }, [
      el('h2', {}, ['Events']),
      this.#list,
    ])
  }

  add(text: string): void {
    this.#list.prepend(el('li', {}, [el('time', {}, [new Date().toLocaleTimeString()]), ' ', text]))
    while (this.#list.children.length > MAX_LINES) this.#list.lastElementChild?.remove()
  }
}
