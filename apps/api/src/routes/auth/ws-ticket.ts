import type { FastifyInstance } from 'fastify'
import { mintTicket } from '../../auth/ticket.ts'
import { errors, TicketSchema } from '../../schemas.ts'

/** POST /v1/auth/ws-ticket — a single-use ticket for the WebSocket upgrade; TICKET_RATE_PER_MIN per session. */
export default async function wsTicketRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/v1/auth/ws-ticket',
    {
      schema: {
        tags: ['auth'],
        summary: 'Mint a single-use WebSocket ticket',
        security: [{ bearer: [] }],
        response: { 200: TicketSchema, ...errors(401, 403, 429, 503) },
      },
      config: { noStore: true },
      preValidation: [app.authenticate],
    },
    async (req) => await mintTicket(app, req, req.auth!),
  )
}
