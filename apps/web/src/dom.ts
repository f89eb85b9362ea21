// Every string from the network reaches the page through `textContent` or an attribute, never `innerHTML`:
// a message like `<img src=x onerror=…>` stays inert text. These helpers have no HTML-string entry point.

type Attrs = Record<string, string | boolean | undefined>

/** Creates an element with attributes, text and children. `text` is set with `textContent`. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  children: Array<Node | string> = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    node.setAttribute(name, value === true ? '' : value)
  }
  for (const child of children)
    node.append(typeof child === 'string' ? document.createTextNode(child) : child)
  return node
}

/** Sets the text of an element (no HTML parsing). */
export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text
}

/** Finds an element by its `data-testid` inside `root` (they double as the demo's stable hooks). */
export function byTestId<T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T {
  const node = root.querySelector<T>(`[data-testid="${id}"]`)
  if (!node) throw new Error(`missing element ${id}`)
  return node
}

/** Seconds from now until `epochMs`, as "42 s" (or "—" when unknown). */
export function countdown(epochMs: number, now = Date.now()): string {
  if (!epochMs) return '—'
  const s = Math.round((epochMs - now) / 1000)
  return s >= 0 ? `${s} s` : `expired ${-s} s ago`
}
