/** A store call that got no answer in time (a stalled or overloaded Redis): callers fail closed like an outage. */
export class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`session store did not answer within ${ms} ms`)
    this.name = 'StoreTimeoutError'
  }
}

/**
 * Rejects with `StoreTimeoutError` when `work` takes longer than `ms`. node-redis's own command timeout only
 * covers the wait before a command is written, not the wait for the reply, so a stalled server would otherwise
 * hang callers; this bounds the whole call. (The command itself stays queued until the reply or a disconnect.)
 * @example await withDeadline(client.get(key), 1000)
 */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(ms)), ms)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}
