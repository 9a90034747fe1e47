import { Router } from 'express';
import { z } from 'zod';
import type { DeviceEventStore } from '../../db/ports/devices.js';
import type { ApiRegistry } from '../api-registry.js';
import { errorSchema, phoneParams } from '../schemas.js';

const entrySchema = z
  .object({
    id: z.number(),
    type: z.string().meta({ description: 'registered, start, ready, stop, exited, crashed, gave_up, replaced, session, start_failed, unhealthy, restore_skipped, stale_pid, watchdog_killed (the child watchdog killed the child while the gateway was unresponsive; restarted, not a crash), …' }),
    fromState: z.string().nullable(),
    toState: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable().meta({ description: 'reason; exitCode and signal for exits; jid for sessions; quietMs for watchdog_killed (how long the gateway was silent)' }),
    at: z.string(),
  })
  .meta({ id: 'TimelineEntry' });

/** A number's supervision history (device_events), newest first: what a post-mortem needs without the logs. */
export function timelineRoutes(api: ApiRegistry, history: DeviceEventStore): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/timeline',
      summary: "A number's state timeline, newest first: starts, crashes (exit code, signal), backoff, failed, replaced, sessions",
      tag: 'devices',
      permission: { scope: 'numbers:read', number: 'path' },
      params: phoneParams,
      query: z.object({ before: z.number().int().min(1).optional(), limit: z.number().int().min(1).max(500).default(100) }),
      responses: {
        200: { description: 'Entries; continue with before = the last id while hasMore', schema: z.object({ phoneNumber: z.string(), entries: z.array(entrySchema), hasMore: z.boolean() }) },
        404: { description: 'Unknown number (or not yours)', schema: errorSchema },
      },
    },
    async ({ params, query }, _req, res) => {
      const rows = await history.page(params.phone, query.before ?? null, query.limit + 1);
      const entries = rows.slice(0, query.limit).map((row) => ({ id: row.id, type: row.type, fromState: row.fromState, toState: row.toState, detail: row.detail, at: new Date(row.createdAt).toISOString() }));
      res.json({ phoneNumber: params.phone, entries, hasMore: rows.length > query.limit });
    },
  );
  return router;
}
