import { inject } from 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by @portcullis/testkit's global setup (same declaration as there). */
    redisUrl: string
  }
}

/** URL of the redis-server the test project owns. */
export const redisUrl = (): string => inject('redisUrl')
