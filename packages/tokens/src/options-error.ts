/** A factory of this package was given an option it cannot work with; the message names the option. */
export class TokensOptionsError extends TypeError {
  readonly code = 'TOKENS_ERR_OPTIONS'
  constructor(option: string, expected: string) {
    super(`@portcullis/tokens: option ${option} must be ${expected}`)
    this.name = 'TokensOptionsError'
  }
}
