import * as credentials from './cases/credentials.ts'
import * as frames from './cases/frames.ts'
import * as handshake from './cases/handshake.ts'
import * as lifetime from './cases/lifetime.ts'
import * as limits from './cases/limits.ts'
import * as messages from './cases/messages.ts'
import * as origin from './cases/origin.ts'
import * as revocation from './cases/revocation.ts'
import * as tickets from './cases/tickets.ts'
import * as tokens from './cases/tokens.ts'
import * as transport from './cases/transport.ts'
import { GROUPS, type ConformanceCase } from './types.ts'

/**
 * Every case, in run order within its phase: transport and handshake checks first, the cases that get their
 * address blocked (limits.connect-flood, limits.auth-failure-block) last.
 */
export const CASES: readonly ConformanceCase[] = [
  transport.tlsRequired,
  transport.tlsVersions,
  transport.hsts,
  transport.noPlaintext,
  handshake.malformed,
  handshake.badVersion,
  handshake.refusalOrder,
  handshake.onlyV1Ws,
  handshake.oversizedHeaders,
  handshake.manyHeaders,
  handshake.compression,
  origin.foreignOrigin,
  origin.lookAlikeOrigins,
  origin.refusedOriginKeepsTicket,
  origin.apiCors,
  credentials.accepted,
  credentials.subprotocol,
  credentials.missingOrInvalid,
  credentials.queryToken,
  credentials.noStore,
  credentials.adminRoutes,
  tokens.algNoneCase,
  tokens.hmacKeyConfusion,
  tokens.tamperedClaims,
  tokens.wrongAudienceIssuer,
  tokens.unknownKey,
  tokens.expiredToken,
  tickets.ticketSingleUse,
  tickets.ticketParallel,
  tickets.ticketOriginBinding,
  tickets.ticketRevokedSession,
  messages.malformedJson,
  messages.unknownTypeAndFields,
  messages.prototypePollution,
  messages.forbiddenChannel,
  frames.invalidThreshold,
  frames.binaryFrame,
  frames.oversizedFrame,
  frames.invalidUtf8,
  limits.messageFlood,
  limits.perUserCap,
  limits.ticketQuota,
  limits.loginThrottle,
  limits.connectFlood,
  limits.authFailureBlock,
  revocation.logout,
  revocation.adminRevocation,
  revocation.refreshReuse,
  revocation.refreshForeignToken,
  lifetime.idleClose,
  lifetime.expiry,
  lifetime.expiryRefresh,
]

/** Problems with a case list (duplicate ids, an id outside its group, missing references); empty when sound. */
export function registryProblems(cases: readonly ConformanceCase[]): string[] {
  const problems: string[] = []
  const ids = new Set<string>()
  for (const c of cases) {
    if (ids.has(c.id)) problems.push(`duplicate id ${c.id}`)
    ids.add(c.id)
    if (!c.id.startsWith(`${c.group}.`)) problems.push(`${c.id} is not in group ${c.group}`)
    if (!/^[a-z]+\.[a-z0-9-]+$/.test(c.id)) problems.push(`${c.id} is not <group>.<kebab-name>`)
    if (!c.spec.trim()) problems.push(`${c.id} names no contract clause`)
    if (c.refs.length === 0) problems.push(`${c.id} has no RFC/OWASP reference`)
    if (c.practices.length === 0 || c.practices.some((p) => p < 1 || p > 9))
      problems.push(`${c.id} maps to no practice 1–9`)
    if (c.sends.length === 0) problems.push(`${c.id} does not say what it sends`)
    if (!(c.budget.requests >= 0 && c.budget.frames >= 0 && c.budget.timeoutMs > 0))
      problems.push(`${c.id} has no budget`)
  }
  return problems
}

/**
 * The cases `--only` selects: exact ids, group names, or `prefix*` patterns (comma lists are split by the CLI).
 * Throws on a selector that matches nothing, so a typo never turns into an empty green run.
 * @example selectCases(CASES, ['origin', 'limits.message-flood'])
 */
export function selectCases(cases: readonly ConformanceCase[], only?: readonly string[]): ConformanceCase[] {
  if (!only || only.length === 0) return [...cases]
  const chosen = new Set<ConformanceCase>()
  for (const selector of only) {
    const matched = cases.filter((c) =>
      selector.endsWith('*')
        ? c.id.startsWith(selector.slice(0, -1))
        : c.id === selector || ((GROUPS as readonly string[]).includes(selector) && c.group === selector),
    )
    if (matched.length === 0)
      throw new Error(`--only ${selector} matches no case (see --dry-run for the list)`)
    for (const c of matched) chosen.add(c)
  }
  return cases.filter((c) => chosen.has(c))
}
