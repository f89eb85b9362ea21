/** A case that did not hold: its message is the report's reason. */
export class CaseFailure extends Error {}
/** A case that cannot run here (a setting too large to wait out, no admin account, no TLS): the reason says why. */
export class CaseSkip extends Error {}
