import {
  metrics,
  type Attributes,
  type Counter,
  type ObservableCounter,
  type Histogram,
  type MeterProvider,
  type UpDownCounter,
} from '@opentelemetry/api'
import { ATTR, boundedLabel, type CredentialKind } from './attributes.ts'

/** The meter (instrumentation scope) every Portcullis instrument lives in. */
export const METER_NAME = '@portcullis/telemetry'

/** Instrument names, all under `portcullis.*` (docs/guides/observability.md lists what each means). */
export const METRIC = {
  ACTIVE_CONNECTIONS: 'portcullis.ws.connections.active',
  UPGRADES: 'portcullis.ws.upgrades',
  AUTH_FAILURES: 'portcullis.auth.failures',
  MESSAGES: 'portcullis.ws.messages',
  RATE_LIMITED: 'portcullis.ws.messages.rate_limited',
  INVALID_MESSAGES: 'portcullis.ws.messages.invalid',
  MESSAGE_DURATION: 'portcullis.ws.message.duration',
  REVOCATION_LATENCY: 'portcullis.revocation.latency',
  IP_BLOCKS: 'portcullis.ip.blocks',
  SECURITY_EVENTS: 'portcullis.security.events',
} as const

/** The instruments themselves. Prefer the `record*` helpers, which keep the attribute sets bounded. */
export interface PortcullisInstruments {
  activeConnections: UpDownCounter
  upgrades: Counter
  authFailures: Counter
  /** Observed at each collection from the in-process counts of `recordMessage` (no per-message SDK call). */
  messages: ObservableCounter
  rateLimited: Counter
  invalidMessages: Counter
  messageDuration: Histogram
  revocationLatency: Histogram
  ipBlocks: Counter
  securityEvents: Counter
}

// Milliseconds. Revocation targets p99 ≤ 100 ms and never over 1 s (docs/reference/protocol.md); handling is sub-ms to tens of ms.
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 75, 100, 150, 250, 500, 1000, 2500]
const DURATION_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000]

function createInstruments(provider: MeterProvider): PortcullisInstruments {
  const meter = provider.getMeter(METER_NAME)
  return {
    activeConnections: meter.createUpDownCounter(METRIC.ACTIVE_CONNECTIONS, {
      description: 'Open WebSocket connections on this instance',
      unit: '{connection}',
    }),
    upgrades: meter.createCounter(METRIC.UPGRADES, {
      description: 'WebSocket upgrade decisions by outcome (accepted/refused), reason and credential kind',
      unit: '{upgrade}',
    }),
    authFailures: meter.createCounter(METRIC.AUTH_FAILURES, {
      description: 'Failed authentications by reason and source (login, refresh, upgrade, live socket)',
      unit: '{failure}',
    }),
    messages: observeMessages(
      meter.createObservableCounter(METRIC.MESSAGES, {
        description: 'Client messages by type and outcome',
        unit: '{message}',
      }),
    ),
    rateLimited: meter.createCounter(METRIC.RATE_LIMITED, {
      description: 'Client messages dropped for rate',
      unit: '{message}',
    }),
    invalidMessages: meter.createCounter(METRIC.INVALID_MESSAGES, {
      description: 'Invalid client messages (bad JSON, schema, unknown type, forbidden channel) by reason',
      unit: '{message}',
    }),
    messageDuration: meter.createHistogram(METRIC.MESSAGE_DURATION, {
      description:
        'Time to handle one client message, frame received to reply sent (the messages with a recorded span)',
      unit: 'ms',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_MS },
    }),
    revocationLatency: meter.createHistogram(METRIC.REVOCATION_LATENCY, {
      description: 'Revocation event published → socket closed',
      unit: 'ms',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
    }),
    ipBlocks: meter.createCounter(METRIC.IP_BLOCKS, {
      description: 'Client IPs blocked after repeated failed authentications',
      unit: '{block}',
    }),
    securityEvents: meter.createCounter(METRIC.SECURITY_EVENTS, {
      description: 'Security events by name and reason (the structured log vocabulary)',
      unit: '{event}',
    }),
  }
}

/** Running count of one (type, outcome) pair; its attribute set is built once. */
interface MessageCount {
  readonly attrs: Attributes
  count: number
}
// Both labels are bounded (message types of the protocol, five outcomes): a handful of entries.
const messageCounts = new Map<string, Map<string, MessageCount>>()

function observeMessages(counter: ObservableCounter): ObservableCounter {
  counter.addCallback((result) => {
    for (const byOutcome of messageCounts.values())
      for (const entry of byOutcome.values()) result.observe(entry.count, entry.attrs)
  })
  return counter
}

/**
 * Counts one client message (`portcullis.ws.messages{portcullis.message.type, portcullis.outcome}`) and, when
 * `durationMs` is given, records it in `portcullis.ws.message.duration`. The count is a plain increment read at
 * collection time: an SDK counter call hashes its attribute set on every call, which cost more than the rest of a
 * message's telemetry together (docs/decisions/0971-telemetry-per-message.md). Returns the attribute set (shared,
 * frozen) for the message's span.
 * @example recordMessage('ping', 'ok', 0.12)
 */
export function recordMessage(type: string, outcome: string, durationMs?: number): Attributes {
  let byOutcome = messageCounts.get(type)
  if (!byOutcome) messageCounts.set(type, (byOutcome = new Map()))
  let entry = byOutcome.get(outcome)
  if (!entry) {
    entry = { attrs: Object.freeze({ [ATTR.MESSAGE_TYPE]: type, [ATTR.OUTCOME]: outcome }), count: 0 }
    byOutcome.set(outcome, entry)
  }
  entry.count += 1
  if (durationMs !== undefined) portcullisMetrics().messageDuration.record(durationMs, entry.attrs)
  return entry.attrs
}

// Keyed by provider: the global meter provider is not a proxy, so instruments made before the SDK (or a test
// harness) installs its provider would stay no-ops forever. Looking it up per call costs one WeakMap get.
const byProvider = new WeakMap<MeterProvider, PortcullisInstruments>()

/**
 * The Portcullis instruments on the current global meter provider (no-ops when telemetry is off).
 * @example portcullisMetrics().activeConnections.add(1)
 */
export function portcullisMetrics(): PortcullisInstruments {
  const provider = metrics.getMeterProvider()
  let instruments = byProvider.get(provider)
  if (!instruments) {
    instruments = createInstruments(provider)
    byProvider.set(provider, instruments)
  }
  return instruments
}

/** Where an authentication failed. */
export type AuthFailureSource = 'login' | 'refresh' | 'bearer' | 'upgrade' | 'socket_refresh'

/**
 * Counts one failed authentication (`portcullis.auth.failures{portcullis.source, portcullis.reason}`).
 * @example recordAuthFailure('login', 'invalid_credentials')
 */
export function recordAuthFailure(source: AuthFailureSource, reason: string): void {
  portcullisMetrics().authFailures.add(1, { [ATTR.SOURCE]: source, [ATTR.REASON]: boundedLabel(reason) })
}

/** Counts one IP block (`portcullis.ip.blocks{portcullis.source}`); never labelled with the IP itself. */
export function recordIpBlocked(source = 'upgrade'): void {
  portcullisMetrics().ipBlocks.add(1, { [ATTR.SOURCE]: boundedLabel(source) })
}

/** Records a revocation's latency: from the event's publish time (epoch ms) to now, the socket being closed. */
export function recordRevocationLatency(publishedAtMs: number, reason: string, nowMs = Date.now()): void {
  portcullisMetrics().revocationLatency.record(Math.max(0, nowMs - publishedAtMs), {
    [ATTR.REASON]: boundedLabel(reason),
  })
}

/** Counts one upgrade decision. Called by `UpgradeTelemetry`; exported for apps that do not use it. */
export function recordUpgrade(
  outcome: 'accepted' | 'refused',
  reason: string,
  credential: CredentialKind,
  status: number,
): void {
  portcullisMetrics().upgrades.add(1, {
    [ATTR.OUTCOME]: outcome,
    [ATTR.REASON]: boundedLabel(reason),
    [ATTR.CREDENTIAL]: credential,
    [ATTR.HTTP_STATUS]: status,
  })
}
