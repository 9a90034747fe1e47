import { Router } from 'express';
import { z } from 'zod';
import type { ActivityStore } from '../../db/ports/activity.js';
import type { ResourceHistory } from '../../health/resource-history.js';
import type { Clock } from '../../lib/clock.js';
import type { ApiRegistry } from '../api-registry.js';
import { errorSchema, phoneParams } from '../schemas.js';

const statsSchema = z.object({
  phoneNumber: z.string(),
  minutes: z.number(),
  resources: z.array(z.object({ at: z.string(), rssBytes: z.number(), cpuPercent: z.number() })),
  activity: z.array(z.object({ minute: z.string(), sent: z.number(), delivered: z.number(), received: z.number() })),
  totals: z.object({ sent: z.number(), delivered: z.number(), received: z.number(), deliveryRate: z.number().nullable().meta({ description: 'delivered ÷ sent in the window (null when nothing was sent)' }) }),
});

/** Recent history for a number's charts: RSS and CPU per sample, messages per minute, delivery rate. */
export function deviceStatsRoutes(api: ApiRegistry, deps: { history: ResourceHistory; activity: ActivityStore; clock: Clock }): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/stats',
      summary: "A number's recent history: RSS and CPU samples, messages sent/delivered/received per minute, delivery rate",
      tag: 'health',
      permission: { scope: 'numbers:read', number: 'path' },
      params: phoneParams,
      query: z.object({ minutes: z.number().int().min(1).max(60).default(60) }),
      responses: { 200: { description: 'History, oldest first', schema: statsSchema }, 404: { description: 'Unknown number (or not yours)', schema: errorSchema } },
    },
    async ({ params, query }, _req, res) => {
      const windowMs = query.minutes * 60_000;
      const activity = await deps.activity.perMinute(params.phone, deps.clock.now() - windowMs);
      const sum = (key: 'sent' | 'delivered' | 'received') => activity.reduce((n, m) => n + m[key], 0);
      const totals = { sent: sum('sent'), delivered: sum('delivered'), received: sum('received') };
      res.json({
        phoneNumber: params.phone,
        minutes: query.minutes,
        resources: deps.history.get(params.phone, windowMs).map((p) => ({ at: new Date(p.at).toISOString(), rssBytes: p.rssBytes, cpuPercent: p.cpuPercent })),
        activity: activity.map((m) => ({ ...m, minute: new Date(m.minute).toISOString() })),
        totals: { ...totals, deliveryRate: totals.sent === 0 ? null : Math.min(1, totals.delivered / totals.sent) },
      });
    },
  );
  return router;
}
