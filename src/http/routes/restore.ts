import { Router } from 'express';
import { z } from 'zod';
import type { AccessPolicy } from '../../auth/policy.js';
import type { Supervisor } from '../../supervisor/supervisor.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentPrincipal } from '../auth-middleware.js';

const entry = z.object({ phoneNumber: z.string(), reason: z.string() });

/** What the last boot restore did, number by number (the numbers you may see), so operators need not dig through logs. */
export function restoreRoutes(api: ApiRegistry, supervisor: Supervisor, policy: AccessPolicy): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'get',
      path: '/api/health/restore',
      summary: 'Summary of the last boot restore: restored, skipped (with reason) and failed numbers',
      tag: 'health',
      permission: { scope: 'numbers:read' },
      responses: {
        200: {
          description: 'Restore summary',
          schema: z.object({ restored: z.array(z.string()), skipped: z.array(entry), failed: z.array(entry), finishedAt: z.string().nullable() }),
        },
      },
    },
    (_input, req, res) => {
      const summary = supervisor.lastRestore;
      const seen = new Set(policy.filter(currentPrincipal(req), 'numbers:read')([...summary.restored, ...summary.skipped.map((e) => e.phoneNumber), ...summary.failed.map((e) => e.phoneNumber)]));
      res.json({
        restored: summary.restored.filter((p) => seen.has(p)),
        skipped: summary.skipped.filter((e) => seen.has(e.phoneNumber)),
        failed: summary.failed.filter((e) => seen.has(e.phoneNumber)),
        finishedAt: summary.finishedAt === null ? null : new Date(summary.finishedAt).toISOString(),
      });
    },
  );
  return router;
}
