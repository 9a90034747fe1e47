import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AccessPolicy } from '../../auth/policy.js';
import { scopedStatus, type UpdateService, type UpdateStatus } from '../../jobs/update-service.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentPrincipal } from '../auth-middleware.js';
import { errorSchema } from '../schemas.js';

const statusSchema = z
  .object({
    mode: z.enum(['off', 'check', 'apply']),
    current: z.string().nullable(),
    latest: z.string().nullable(),
    available: z.boolean(),
    checkedAt: z.string().nullable(),
    error: z.string().nullable(),
    inProgress: z.boolean(),
    lastRollout: z.object({ ok: z.boolean(), version: z.string(), moved: z.array(z.string()), failedOn: z.string().nullable(), reason: z.string().nullable(), at: z.string() }).nullable(),
  })
  .meta({ id: 'UpdateStatus' });

/** Manual triggers beside the schedule: operators want to check or roll out now, not at 2 a.m. */
export function updateRoutes(api: ApiRegistry, updates: UpdateService, policy: AccessPolicy): Router {
  const router = Router();
  const view = (req: Request, status: UpdateStatus) => scopedStatus(status, policy.filter(currentPrincipal(req), 'numbers:read'));
  api.route(router, { method: 'get', path: '/api/system/update', summary: 'Binary version, latest release, last rollout (admin)', tag: 'system', permission: { scope: 'system:admin' }, responses: { 200: { description: 'Status', schema: statusSchema } } }, (_i, req, res) => {
    res.json(view(req, updates.status()));
  });
  api.route(router, { method: 'post', path: '/api/system/update/check', summary: 'Read the release feed now (admin)', tag: 'system', permission: { scope: 'system:admin' }, audit: 'system.update_check', responses: { 200: { description: 'Status', schema: statusSchema } } }, async (_i, req, res) => {
    res.json(view(req, await updates.check()));
  });
  api.route(
    router,
    {
      method: 'post',
      path: '/api/system/update/apply',
      summary: 'Download, verify and roll out the latest binary, canary first, rolling back on the first failure (admin)',
      tag: 'system',
      permission: { scope: 'system:admin' },
      audit: 'system.update_apply',
      responses: { 200: { description: 'Status after the rollout', schema: statusSchema }, 409: { description: 'An update is already running', schema: errorSchema }, 502: { description: 'Feed or download failed', schema: errorSchema } },
    },
    async (_i, req, res) => {
      res.json(view(req, await updates.apply()));
    },
  );
  return router;
}
