import { rootCertificates } from 'node:tls'
import { performance } from 'node:perf_hooks'
import { CaseContext, CaseFailure, CaseSkip, type Target } from './context.ts'
import { send } from './net/http.ts'
import { Pacer } from './net/pacer.ts'
import { planSources, type SourcePlan } from './net/sources.ts'
import { DEFAULTS, endpointUrl, optionProblems, type ConformanceOptions } from './options.ts'
import { CASES, selectCases } from './registry.ts'
import { SecretRegistry } from './secrets.ts'
import type { BlockNote, CaseResult, ConformanceCase, Phase, Report, Verdict } from './types.ts'
import { VERSION } from './version.ts'

/** Hooks for tests: the case list, the address plan, the pacer (defaults: every case, planned, real time). */
export interface RunHooks {
  readonly cases?: readonly ConformanceCase[]
  readonly sources?: SourcePlan
  readonly pacer?: Pacer
}

/** The target every case sees, from the options. */
export function targetOf(options: ConformanceOptions): Target {
  return {
    api: options.api.replace(/\/+$/, ''),
    ws: options.ws.map(endpointUrl),
    origin: new URL(options.origin).origin,
    profile: options.profile ?? DEFAULTS.profile,
    user: options.user,
    admin: options.admin,
    maxWaitMs: (options.maxWaitS ?? DEFAULTS.maxWaitS) * 1000,
    revocationBoundMs: DEFAULTS.revocationBoundMs,
    maxSockets: DEFAULTS.maxSockets,
    ca: options.ca ? [...rootCertificates, options.ca] : undefined,
  }
}

interface Shared {
  readonly target: Target
  readonly secrets: SecretRegistry
  readonly pacer: Pacer
  readonly sources: SourcePlan
  readonly blocks: BlockNote[]
  readonly onResult: ((r: CaseResult) => void) | undefined
}

/** Runs one case with its budget, time limit and cleanup; never throws. */
async function runCase(c: ConformanceCase, index: number, shared: Shared): Promise<CaseResult> {
  const started = performance.now()
  const source = shared.sources.addressFor(index)
  const spare = shared.sources.perCase ? shared.sources.addressFor(index + 127) : undefined
  const abort = new AbortController()
  const ctx = new CaseContext({
    caseId: c.id,
    target: shared.target,
    budget: c.budget,
    source,
    spareSource: spare !== source ? spare : undefined,
    secrets: shared.secrets,
    pacer: shared.pacer,
    unpaced: c.phase === 'blocking',
    onBlock: (note) => shared.blocks.push(note),
    signal: abort.signal,
  })
  const timeoutMs = c.budget.timeoutMs + (c.phase === 'waiting' ? shared.target.maxWaitMs : 0)
  let verdict: Verdict = 'pass'
  let reason: string | undefined
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      c.run(ctx),
      new Promise<never>((_, reject) => {
        // Time spent pacing below the deployment's limits is not the case's: the deadline moves by it.
        const check = () => {
          const left = started + timeoutMs + ctx.pacedMs - performance.now()
          if (left > 0) return void (timer = setTimeout(check, left))
          abort.abort()
          reject(new CaseFailure(`did not finish within ${timeoutMs} ms`))
        }
        timer = setTimeout(check, timeoutMs)
      }),
    ])
    const violations = ctx.protocolViolations()
    if (violations.length > 0) throw new CaseFailure(`the server sent ${violations[0]}`)
  } catch (err) {
    verdict = err instanceof CaseSkip ? 'skip' : 'fail'
    reason =
      err instanceof CaseSkip || err instanceof CaseFailure
        ? err.message
        : `unexpected error: ${err instanceof Error ? err.message : String(err)}`
  } finally {
    clearTimeout(timer)
    abort.abort()
    await ctx.cleanup().catch(() => {})
  }
  const result: CaseResult = {
    id: c.id,
    group: c.group,
    name: c.name,
    spec: c.spec,
    refs: c.refs,
    verdict,
    ...(reason ? { reason } : {}),
    evidence: ctx.evidenceLog,
    durationMs: Math.round(performance.now() - started),
    ...(source ? { source } : {}),
  }
  return finish(shared, result)
}

/** The result as everyone outside sees it: scrubbed, and announced to `onResult`. */
function finish(shared: Shared, result: CaseResult): CaseResult {
  const scrubbed = shared.secrets.scrubDeep(result)
  shared.onResult?.(scrubbed)
  return scrubbed
}

/**
 * Every URL answers something (any HTTP status): otherwise there is nothing to test, and fifty cases failing
 * with ECONNREFUSED would only hide the one line that matters. Plain GETs that no per-IP limit counts.
 */
async function preflight(target: Target, source: string | undefined): Promise<void> {
  for (const url of [`${target.api}/.well-known/jwks.json`, ...target.ws]) {
    const outcome = await send(url, { conn: { localAddress: source, ca: target.ca }, timeoutMs: 10_000 })
    if (outcome.kind === 'error')
      throw new Error(
        `cannot reach ${new URL(url).origin}: ${outcome.code}${/CERT|SELF_SIGNED|VERIFY/.test(outcome.code) ? ' (a private CA? pass --ca)' : ''}`,
      )
  }
}

/** In a shared-address run, a blocking case waits out the previous one's Retry-After (or says why it cannot). */
async function waitForBlocks(shared: Shared, c: ConformanceCase): Promise<string | null> {
  if (shared.sources.perCase) return null
  const retry = Math.max(0, ...shared.blocks.map((b) => b.retryAfterS ?? 0))
  if (retry === 0) return null
  if (retry * 1000 > shared.target.maxWaitMs)
    return `this address is blocked for ${retry} s by an earlier case: re-run with --only ${c.id} later`
  await new Promise((resolve) => setTimeout(resolve, retry * 1000 + 500))
  return null
}

/**
 * Runs the conformance suite against a deployment, over the network only, and returns the report (scrubbed
 * of every credential). Phases: `main` cases one by one, then the `waiting` ones side by side, then the
 * `blocking` ones one by one. Never throws for a failing case; throws for invalid options and for a target that
 * does not answer at all.
 * @example const report = await runConformance({ api, ws: [wsUrl], origin, user: { username, password } })
 *          process.exitCode = report.summary.fail === 0 ? 0 : 1
 */
export async function runConformance(options: ConformanceOptions, hooks: RunHooks = {}): Promise<Report> {
  const problems = optionProblems(options)
  if (problems.length > 0) throw new Error(problems.join('; '))
  const startedAt = new Date()
  const started = performance.now()
  const target = targetOf(options)
  const secrets = options.secrets ?? new SecretRegistry()
  for (const account of [options.user, options.admin]) secrets.add(account?.password)
  const all = hooks.cases ?? CASES
  const selected = selectCases(all, options.only)
  const hosts = [target.api, ...target.ws].map((u) => new URL(u).hostname)
  const sources = hooks.sources ?? (await planSources(options.source ?? 'auto', hosts))
  await preflight(target, sources.addressFor(all.length))
  const shared: Shared = {
    target,
    secrets,
    pacer: hooks.pacer ?? new Pacer({ ...DEFAULTS.assumedLimits, ...options.assumedLimits }),
    sources,
    blocks: [],
    onResult: options.onResult,
  }
  // A case keeps its index in the full list, so its address does not depend on --only.
  const indexed = selected.map((c) => [c, all.indexOf(c)] as const)
  const results = new Map<string, CaseResult>()
  const inPhase = (phase: Phase) => indexed.filter(([c]) => c.phase === phase)
  for (const [c, i] of inPhase('main')) results.set(c.id, await runCase(c, i, shared))
  for (const r of await Promise.all(inPhase('waiting').map(([c, i]) => runCase(c, i, shared))))
    results.set(r.id, r)
  for (const [c, i] of inPhase('blocking')) {
    const blocked = await waitForBlocks(shared, c)
    const { id, group, name, spec, refs } = c
    results.set(
      id,
      blocked
        ? finish(shared, {
            id,
            group,
            name,
            spec,
            refs,
            verdict: 'skip',
            reason: blocked,
            evidence: [],
            durationMs: 0,
          })
        : await runCase(c, i, shared),
    )
  }
  const cases = selected.map((c) => results.get(c.id)!)
  const count = (v: Verdict) => cases.filter((r) => r.verdict === v).length
  return secrets.scrubDeep({
    tool: { name: '@portcullis/conformance', version: VERSION },
    target: { api: target.api, ws: target.ws, origin: target.origin, profile: target.profile },
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    sources: sources.description,
    pacedMs: shared.pacer.waitedMs,
    blocks: shared.blocks,
    summary: { total: cases.length, pass: count('pass'), fail: count('fail'), skip: count('skip') },
    cases,
  })
}
