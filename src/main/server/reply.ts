import type { FastifyReply } from 'fastify'

/** Sends any JSON value, bare strings included (Fastify would send a string as text/plain). */
export function sendJson(reply: FastifyReply, value: unknown, status = 200): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(value))
}
