export {
  loggerOptions,
  redactUrl,
  serializeRequest,
  traceMixin,
  REDACT_PATHS,
  SECRET_FIELDS,
} from './logger.ts'
export type { SerializableRequest } from './logger.ts'
export { securityEvent } from './security-event.ts'
export {
  SecurityFeed,
  attachSecurityFeed,
  type FeedField,
  type FeedRule,
  type SecurityFeedOptions,
  type SecurityFeedRules,
} from './security-feed.ts'
export { AUTH_FAILURE_EVENTS, IP_BLOCK_EVENTS } from './event-metrics.ts'
export type {
  EventLogger,
  SecurityEventFields,
  SecurityEventList,
  SecurityEventName,
} from './security-event.ts'
export {
  ATTR,
  CLIENT_MESSAGE_TYPES,
  boundedLabel,
  messageTypeLabel,
  pathOnly,
  scrubQuery,
  type CredentialKind,
} from './attributes.ts'
export {
  METER_NAME,
  METRIC,
  portcullisMetrics,
  recordAuthFailure,
  recordIpBlocked,
  recordRevocationLatency,
  recordUpgrade,
  type AuthFailureSource,
  type PortcullisInstruments,
} from './metrics.ts'
export {
  TRACER_NAME,
  ConnectionTelemetry,
  setMessageSpanRatio,
  MessageTelemetry,
  UpgradeTelemetry,
  activeMessage,
  startUpgrade,
  type ConnectionClose,
  type MessageOutcome,
  type UpgradeAcceptance,
  type UpgradeRefusal,
  type UpgradeRequestInfo,
} from './connection.ts'
export { contextFromHeaders, contextFromTraceparent, isTraceparent, traceparentFor } from './propagation.ts'
