export { loggerOptions, redactUrl, serializeRequest, REDACT_PATHS, SECRET_FIELDS } from './logger.ts'
export type { SerializableRequest } from './logger.ts'
export { securityEvent } from './security-event.ts'
export type {
  EventLogger,
  SecurityEventFields,
  SecurityEventList,
  SecurityEventName,
} from './security-event.ts'
