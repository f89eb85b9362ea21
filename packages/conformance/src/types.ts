import type { CaseContext } from './context.ts'

/** The threat model's groups (docs/security/threat-model.md), in the order the report lists them. */
export const GROUPS = [
  'transport',
  'handshake',
  'origin',
  'credentials',
  'messages',
  'limits',
  'lifetime',
] as const
export type Group = (typeof GROUPS)[number]

/**
 * When a case runs. `main` cases run one after another; `waiting` cases (they wait out a token life or an idle
 * timeout) run side by side after them; `blocking` cases get their source address rate-limited or blocked, so
 * they run last, one after another.
 */
export type Phase = 'main' | 'waiting' | 'blocking'

/** Hard caps of one case: the suite never sends more, and a case that would is stopped and fails. */
export interface CaseBudget {
  /** HTTP requests and upgrade attempts. */
  readonly requests: number
  /** WebSocket frames sent. */
  readonly frames: number
  /** Wall time, ms (a `waiting` case may also use `--max-wait-s` on top). */
  readonly timeoutMs: number
}

/** One conformance case: a contract clause, attacked black-box over the network. */
export interface ConformanceCase {
  /** Stable id, `<group>.<name>` (e.g. `credentials.alg-none`); `--only` selects by id or group. */
  readonly id: string
  readonly group: Group
  /** What holds when the case passes, as one sentence. */
  readonly name: string
  /** The contract v1.1 clause checked (section › the words). */
  readonly spec: string
  /** RFC sections and OWASP references. */
  readonly refs: readonly string[]
  /** The threat model's practices (1–9) this case is evidence for. */
  readonly practices: readonly number[]
  readonly phase: Phase
  readonly budget: CaseBudget
  /** What it sends, for `--dry-run` (placeholders, never values). */
  readonly sends: readonly string[]
  run(ctx: CaseContext): Promise<void>
}

export type Verdict = 'pass' | 'fail' | 'skip'

/** One observation: what was sent and what came back. Never holds a credential (the report is scrubbed too). */
export interface Evidence {
  readonly step: string
  /** HTTP status of the answer (101 for an upgrade). */
  readonly status?: number
  readonly closeCode?: number
  readonly closeReason?: string
  /** Time to the answer or close, ms. */
  readonly latencyMs?: number
  readonly detail?: string
}

export interface CaseResult {
  readonly id: string
  readonly group: Group
  readonly name: string
  readonly spec: string
  readonly refs: readonly string[]
  readonly verdict: Verdict
  /** Why it failed or was skipped. */
  readonly reason?: string
  readonly evidence: readonly Evidence[]
  readonly durationMs: number
  /** The client address this case sent from, when the suite chose one. */
  readonly source?: string
}

/** A rate limit or block the run triggered (on purpose or not): the report says so. */
export interface BlockNote {
  readonly caseId: string
  readonly source: string
  readonly what: string
  /** The server's `Retry-After`, seconds. */
  readonly retryAfterS?: number
}

export interface Report {
  readonly tool: { readonly name: string; readonly version: string }
  readonly target: {
    readonly api: string
    readonly ws: readonly string[]
    readonly origin: string
    readonly profile: Profile
  }
  readonly startedAt: string
  readonly durationMs: number
  /** How client addresses were chosen (one per case on a loopback target, else the OS's). */
  readonly sources: string
  /** Time spent waiting to stay under the deployment's per-IP limits, ms. */
  readonly pacedMs: number
  readonly blocks: readonly BlockNote[]
  readonly summary: {
    readonly total: number
    readonly pass: number
    readonly fail: number
    readonly skip: number
  }
  readonly cases: readonly CaseResult[]
}

/**
 * `production`: every production refusal is expected (TLS, no query-string tokens). `development`: what contract
 * allows outside production is skipped with the reason.
 */
export type Profile = 'production' | 'development'
