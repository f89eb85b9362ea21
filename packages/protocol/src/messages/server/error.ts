import { Type, type Static } from 'typebox'
import { closed, RequestId } from '../common.ts'
import { ERROR_CODE_NAMES, type ErrorCode } from '../../error-codes.ts'

/** An error reply (with the request's `id` when it could be read) or push. */
export const ErrorMessageSchema = Type.Object(
  {
    type: Type.Literal('error', { description: 'Message type.' }),
    id: Type.Optional(RequestId),
    code: Type.Unsafe<ErrorCode>(
      Type.Enum(ERROR_CODE_NAMES, { description: 'Stable error code (see the error-code table).' }),
    ),
    message: Type.String({ maxLength: 500, description: 'Human-readable detail; never contains secrets.' }),
    retryAfterMs: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Wait this long before retrying (ms).' }),
    ),
  },
  { ...closed, $id: 'error', description: 'Server → client: the request was not processed.' },
)
export type ErrorMessage = Static<typeof ErrorMessageSchema>
