import { GROUPS, type ConformanceCase, type Group } from './types.ts'

/** The nine practices of docs/security/threat-model.md, by number. */
export const PRACTICES: Readonly<Record<number, string>> = {
  1: 'Always WSS / TLS',
  2: 'Token authentication before the upgrade',
  3: 'Origin scope',
  4: 'Input validation',
  5: 'Rate limiting',
  6: 'Monitoring',
  7: 'Session state',
  8: 'Idle close',
  9: 'Keep libraries updated',
}

/** Which attacker of the threat model each group plays. */
const GROUP_TITLES: Readonly<Record<Group, string>> = {
  transport: 'transport — the network attacker between client and edge',
  handshake: 'handshake abuse — malformed, oversized and misdirected upgrades',
  origin: 'origin — a malicious page in the user’s browser (cross-site WebSocket hijacking)',
  credentials: 'credentials — stolen, forged, replayed or misused tokens and tickets',
  messages: 'message validation — malformed, oversized and hostile frames',
  limits: 'limits — floods, brute force and resource exhaustion',
  lifetime: 'lifetime and revocation — sessions that must end',
}

const cell = (s: string): string => s.replace(/\|/g, '\\|')

/**
 * The case catalogue as Markdown (docs/security/conformance.md holds it between `catalog` markers, and a test
 * keeps the two equal): per group, each case with what holds, the contract clause, practices and references; then
 * the practices with their cases.
 */
export function renderCatalog(cases: readonly ConformanceCase[]): string {
  const out: string[] = []
  for (const group of GROUPS) {
    out.push(
      `### ${GROUP_TITLES[group]}`,
      '',
      '| case | what holds | contract | practices | references |',
      '|---|---|---|---|---|',
    )
    for (const c of cases.filter((k) => k.group === group))
      out.push(
        `| \`${c.id}\` | ${cell(c.name)} | ${cell(c.spec)} | ${c.practices.join(', ')} | ${cell(c.refs.join('; '))} |`,
      )
    out.push('')
  }
  out.push('### By practice', '', '| # | practice | cases |', '|---|---|---|')
  for (const [n, practice] of Object.entries(PRACTICES)) {
    const ids = cases.filter((c) => c.practices.includes(Number(n))).map((c) => `\`${c.id}\``)
    out.push(
      `| ${n} | ${practice} | ${ids.length > 0 ? ids.join(', ') : 'not observable from outside: see below'} |`,
    )
  }
  return `${out.join('\n')}\n`
}
