import { Router } from 'express';
import { z } from 'zod';
import type { AccessPolicy } from '../../auth/policy.js';
import type { Supervisor } from '../../supervisor/supervisor.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentPrincipal } from '../auth-middleware.js';

const entry = z.object({ phoneNumber: z.string(), reason: z.string() });

/** What the last boot restore did, number by number, so operators need not dig through logs. */
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
      // Only the numbers the caller may see: the summary names every restored number.
      const visible = policy.visibleNumbers(currentPrincipal(req), 'numbers:read');
      const mine = visible === null ? () => true : (phone: string) => visible.includes(phone);
      const summary = supervisor.lastRestore;
      const only = <T extends { phoneNumber: string }>(list: readonly T[]) => list.filter((e) => mine(e.phoneNumber));
      res.json({ restored: summary.restored.filter(mine), skipped: only(summary.skipped), failed: only(summary.failed), finishedAt: summary.finishedAt === null ? null : new Date(summary.finishedAt).toISOString() });
    },
  );
  return router;
}
