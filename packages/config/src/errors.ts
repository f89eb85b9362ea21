/**
 * A bad or missing environment variable. Its message is ONE line that names the variable, e.g.
 * `invalid environment: MSG_RATE_PER_S must be a positive integer (got "abc")`. `runMain` prints exactly that.
 */
export class ConfigError extends Error {
  /** The environment variable at fault (or `NODE_ENV` for production-policy refusals). */
  readonly variable: string

  constructor(variable: string, message: string) {
    super(message)
    this.name = 'ConfigError'
    this.variable = variable
  }
}
