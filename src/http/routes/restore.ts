import { Router } from 'express';
import { z } from 'zod';
import type { Supervisor } from '../../supervisor/supervisor.js';
import type { ApiRegistry } from '../api-registry.js';

const entry = z.object({ phoneNumber: z.string(), reason: z.string() });

/** What the last boot restore did, number by number, so operators need not dig through logs. */
export function restoreRoutes(api: ApiRegistry, supervisor: Supervisor): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'get',
      path: '/api/health/restore',
      summary: 'Summary of the last boot restore: restored, skipped (with reason) and failed numbers',
      tag: 'health',
      responses: {
        200: {
          description: 'Restore summary',
          schema: z.object({ restored: z.array(z.string()), skipped: z.array(entry), failed: z.array(entry), finishedAt: z.string().nullable() }),
        },
      },
    },
    (_input, _req, res) => {
      const summary = supervisor.lastRestore;
      res.json({ ...summary, finishedAt: summary.finishedAt === null ? null : new Date(summary.finishedAt).toISOString() });
    },
  );
  return router;
}
