import type { FastifyInstance, FastifyReply } from 'fastify'
import type { AppContext } from '../api/context.js'

/** Sends any JSON value, bare strings included (Fastify would send a string as text/plain). */
export function sendJson(reply: FastifyReply, value: unknown, status = 200): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(value))
}

/** Chroma's HTTP API over the engine. */
export function registerChromaRoutes(app: FastifyInstance, ctx: AppContext): void {
  const heartbeat = async (_req: unknown, reply: FastifyReply) =>
    sendJson(reply, { 'nanosecond heartbeat': await ctx.client.heartbeat() })
  app.get('/api/v2', heartbeat)
  app.get('/api/v2/heartbeat', heartbeat)
  app.get('/api/v2/version', async (_req, reply) => sendJson(reply, await ctx.client.version()))
}
