import type { ChannelMessage } from '@portcullis/protocol'
import { el } from './dom.ts'

/** At most this many messages per room stay in the DOM. */
const MAX_MESSAGES = 200

/** The rooms the user is in, each with its message list, and the compose form. */
export class RoomsView {
  readonly element: HTMLElement
  readonly #rooms = new Map<string, HTMLOListElement>()
  readonly #list: HTMLElement
  readonly #channel: HTMLInputElement
  readonly #text: HTMLInputElement
  readonly #known: HTMLDataListElement

  constructor(onSend: (channel: string, text: string) => void, extra: HTMLElement[] = []) {
    this.#list = el('div', { class: 'rooms', 'data-testid': 'rooms' })
    this.#known = el('datalist', { id: 'known-channels' })
    this.#channel = el('input', {
      'data-testid': 'compose-channel',
      list: 'known-channels',
      value: 'public:lobby',
      'aria-label': 'Channel',
    })
    this.#text = el('input', {
      'data-testid': 'compose-text',
      placeholder: 'Message (plain text)',
      maxlength: '2000',
      'aria-label': 'Message',
    })
    const form = el('form', { class: 'compose', 'data-testid': 'compose' }, [
      this.#channel,
      this.#text,
      el('button', { type: 'submit', 'data-testid': 'send' }, ['Send']),
      this.#known,
    ])
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const text = this.#text.value
      if (!text) return
      onSend(this.#channel.value.trim(), text)
      this.#text.value = ''
    })
    this.element = el('section', { class: 'panel' }, [el('h2', {}, ['Rooms']), this.#list, form, ...extra])
  }

  /** Shows a room (idempotent). */
  add(channel: string, title: string): void {
    if (this.#rooms.has(channel)) return
    const messages = el('ol', { class: 'messages', 'data-testid': 'messages' })
    const room = el('article', { class: 'room', 'data-testid': 'room', 'data-room': channel }, [
      el('h3', {}, [title, ' ', el('code', {}, [channel])]),
      messages,
    ])
    this.#rooms.set(channel, messages)
    this.#list.append(room)
    this.#known.append(el('option', { value: channel }))
  }

  /** Removes a room and its messages from the page. */
  remove(channel: string): void {
    this.#rooms.get(channel)?.closest('article')?.remove()
    this.#rooms.delete(channel)
    for (const option of this.#known.querySelectorAll('option')) if (option.value === channel) option.remove()
  }

  has(channel: string): boolean {
    return this.#rooms.has(channel)
  }

  /** Offers a channel in the compose box (a direct-message target) without showing a room. */
  suggest(channel: string): void {
    if ([...this.#known.options].some((o) => o.value === channel)) return
    this.#known.append(el('option', { value: channel }))
  }

  /** Appends a message. The text goes in with `textContent`: markup in it stays text. */
  message(message: ChannelMessage): void {
    this.#append(message.channel, message.messageId, message.ts, message.from.username, message.text)
  }

  /**
   * Appends your own copy of a direct message you sent to `room` (your inbox): the server delivers it only to the
   * recipient, so the page keeps what the reply confirmed.
   */
  sent(room: string, to: string, messageId: string, text: string): void {
    this.#append(room, messageId, Date.now(), `you → ${to}`, text, 'outgoing')
  }

  #append(room: string, messageId: string, ts: number, from: string, text: string, kind?: string): void {
    const list = this.#rooms.get(room)
    if (!list) return
    list.append(
      el('li', { 'data-message-id': messageId, class: kind }, [
        el('time', {}, [new Date(ts).toLocaleTimeString()]),
        el('span', { class: 'from', 'data-testid': 'from' }, [from]),
        el('span', { class: 'text', 'data-testid': 'text' }, [text]),
      ]),
    )
    while (list.children.length > MAX_MESSAGES) list.firstElementChild?.remove()
  }

  clear(): void {
    for (const channel of this.#rooms.keys()) this.remove(channel)
  }
}
