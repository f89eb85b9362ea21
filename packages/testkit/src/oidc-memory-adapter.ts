/**
 * oidc-provider's storage for one process, kept in memory: what its built-in quick-start adapter does, named
 * explicitly (so it does not print its production warning on every start of a test or `pnpm dev`). Entries expire
 * by their own `expiresIn`; grants are revocable as a whole.
 */
type Payload = Record<string, unknown> & {
  grantId?: string
  userCode?: string
  uid?: string
  consumed?: number
}

const store = new Map<string, { payload: Payload; expiresAt: number }>()
const grants = new Map<string, Set<string>>()

export class MemoryAdapter {
  readonly #name: string

  constructor(name: string) {
    this.#name = name
  }

  #key(id: string): string {
    return `${this.#name}:${id}`
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const key = this.#key(id)
    store.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity })
    if (payload.grantId) {
      const keys = grants.get(payload.grantId) ?? new Set<string>()
      keys.add(key)
      grants.set(payload.grantId, keys)
    }
  }

  async find(id: string): Promise<Payload | undefined> {
    return MemoryAdapter.#live(this.#key(id))
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    for (const [key, entry] of store)
      if (key.startsWith(`${this.#name}:`) && entry.payload.uid === uid) return MemoryAdapter.#live(key)
    return undefined
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    for (const [key, entry] of store)
      if (key.startsWith(`${this.#name}:`) && entry.payload.userCode === userCode)
        return MemoryAdapter.#live(key)
    return undefined
  }

  async consume(id: string): Promise<void> {
    const entry = store.get(this.#key(id))
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000)
  }

  async destroy(id: string): Promise<void> {
    store.delete(this.#key(id))
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of grants.get(grantId) ?? []) store.delete(key)
    grants.delete(grantId)
  }

  static #live(key: string): Payload | undefined {
    const entry = store.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= Date.now()) {
      store.delete(key)
      return undefined
    }
    return entry.payload
  }
}
