import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../api/context.js'
import { v1Routes } from './v1/routes.js'
import { v2Routes } from './v2/routes.js'

/**
 * Chroma's HTTP API over the engine: v2 (Chroma >= 1.0 clients) and v1 (older clients). Each version is
 * an encapsulated Fastify plugin with its own error format.
 */
export async function registerChromaRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(v2Routes, { prefix: '/api/v2', client: ctx.client })
  await app.register(v1Routes, { prefix: '/api/v1', client: ctx.client })
}
