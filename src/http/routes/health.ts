import { Router } from 'express';
import { z } from 'zod';
import type { ApiRegistry } from '../api-registry.js';

/** Liveness only: no auth, no I/O, so a load balancer can poll it cheaply. */
export function healthRoutes(api: ApiRegistry, startedAt: number, version: string): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'get',
      path: '/api/health',
      summary: 'Liveness check (no auth)',
      tag: 'health',
      permission: 'public',
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok'), version: z.string(), uptimeSeconds: z.number() }) } },
    },
    (_input, _req, res) => {
      res.json({ status: 'ok', version, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
    },
  );
  return router;
}
