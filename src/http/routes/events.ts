import { Router } from 'express';
import { z } from 'zod';
import type { EventJournal } from '../../events/journal.js';
import type { ApiRegistry } from '../api-registry.js';
import { errorSchema, phoneParams } from '../schemas.js';

/**
 * The stored events of a number, oldest first from `since`: what a Socket.IO client missed beyond the resume
 * window (`join` answered `truncated: true`), page by page. Same messages as `device-websocket-message`.
 */
export function eventRoutes(api: ApiRegistry, journal: EventJournal): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/events',
      summary: "A number's events after sequence number `since` (oldest first; the Socket.IO messages)",
      tag: 'realtime',
      permission: { scope: 'events:subscribe', number: 'path' },
      params: phoneParams,
      query: z.object({ since: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(100) }),
      responses: {
        200: {
          description: 'Events; continue with since = the last seq while hasMore',
          schema: z.object({
            phoneNumber: z.string(),
            events: z.array(z.record(z.string(), z.unknown())),
            lastSeq: z.number(),
            firstSeq: z.number().nullable(),
            hasMore: z.boolean(),
          }),
        },
        404: { description: 'Unknown number (or not yours)', schema: errorSchema },
      },
    },
    ({ params, query }, _req, res) => {
      const page = journal.page(params.phone, query.since, query.limit);
      const last = page.messages.at(-1)?.seq ?? query.since;
      res.json({ phoneNumber: params.phone, events: page.messages, lastSeq: page.lastSeq, firstSeq: page.firstSeq, hasMore: last < page.lastSeq });
    },
  );
  return router;
}
