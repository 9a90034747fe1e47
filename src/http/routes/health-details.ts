import { Router } from 'express';
import { z } from 'zod';
import type { HealthService } from '../../health/health-service.js';
import type { SystemStats } from '../../health/system-stats.js';
import type { ApiRegistry } from '../api-registry.js';
import type { AccessPolicy } from '../../auth/policy.js';
import { currentPrincipal } from '../auth-middleware.js';

export function healthDetailRoutes(api: ApiRegistry, health: HealthService, system: SystemStats, policy: AccessPolicy, diskPaths: readonly string[]): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'get',
      path: '/api/health/detailed',
      summary: 'Database, disks, supervisor summary by state, backlogs, versions; 503 naming what is unhealthy',
      tag: 'health',
      permission: { scope: 'system:admin' },
      responses: {
        200: { description: 'Healthy', schema: z.object({ status: z.literal('ok'), problems: z.array(z.string()) }).loose() },
        503: { description: 'Something is unhealthy; `problems` names it', schema: z.object({ status: z.literal('unhealthy'), problems: z.array(z.string()) }).loose() },
      },
    },
    (_input, req, res) => {
      const { healthy, body } = health.detailed(policy.filter(currentPrincipal(req), 'numbers:read'));
      res.status(healthy ? 200 : 503).json(body);
    },
  );
  api.route(
    router,
    {
      method: 'get',
      path: '/api/health/devices',
      summary: 'Per number: state, pid, port, uptime, restarts, RSS, CPU, connected, logged in, queue depth, last event',
      tag: 'health',
      permission: { scope: 'numbers:read' },
      responses: { 200: { description: 'Numbers you can see', schema: z.object({ devices: z.array(z.object({ phoneNumber: z.string(), state: z.string() }).loose()) }) } },
    },
    (_input, req, res) => {
      res.json({ devices: health.devices(policy.visible(currentPrincipal(req), 'numbers:read').map((d) => d.phoneNumber)) });
    },
  );
  api.route(
    router,
    {
      method: 'get',
      path: '/api/health/system',
      summary: 'Host CPU, memory, load, disks, and the gateway’s event-loop delay',
      tag: 'health',
      permission: { scope: 'system:admin' },
      responses: { 200: { description: 'Host figures', schema: z.object({ host: z.object({}).loose(), gateway: z.object({}).loose(), disks: z.array(z.object({}).loose()) }) } },
    },
    (_input, _req, res) => {
      res.json(system.snapshot(diskPaths));
    },
  );
  return router;
}
