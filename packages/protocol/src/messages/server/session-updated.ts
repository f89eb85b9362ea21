import { Type, type Static } from 'typebox'
import { closed, Roles } from '../common.ts'

export const SessionUpdatedSchema = Type.Object(
  {
    type: Type.Literal('session.updated', { description: 'Message type.' }),
    roles: Roles,
  },
  { ...closed, $id: 'session.updated', description: 'Server → client push: the user’s roles changed.' },
)
export type SessionUpdated = Static<typeof SessionUpdatedSchema>
