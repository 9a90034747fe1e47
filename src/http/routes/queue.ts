import { Router } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { AnyOutbox } from '../../messaging/outbox.js';
import type { ApiRegistry } from '../api-registry.js';
import { auditedChange } from '../audit-trail.js';
import { queuePolicySchema, queueStatusSchema } from '../queue-schemas.js';
import { errorSchema, phoneParams } from '../schemas.js';

const patchBody = z.union([
  z.object({ reset: z.literal(true) }).strict(),
  queuePolicySchema.partial().strict().refine((p) => Object.keys(p).length > 0, 'give concurrency, interval and/or intervalCap, or {"reset": true}'),
]);

const out = { 200: { description: 'The number\'s queue', schema: queueStatusSchema }, 404: { description: 'Unknown number (or not yours)', schema: errorSchema } };

/** A number's send queue: depth, pause, and its pacing policy (the QUEUE_* defaults unless set here). */
export function queueRoutes(api: ApiRegistry, outbox: AnyOutbox, audit: AuditLog): Router {
  const router = Router();

  api.route(
    router,
    { method: 'get', path: '/api/devices/:phone/queue', summary: 'Send queue of a number: depth, pause, pacing', tag: 'queue', permission: { scope: 'numbers:read', number: 'path' }, params: phoneParams, responses: out },
    async ({ params }, _req, res) => {
      res.json(await outbox.queueStatus(params.phone));
    },
  );

  api.route(
    router,
    {
      method: 'patch',
      path: '/api/devices/:phone/queue',
      summary: 'Set the number\'s pacing {concurrency, interval (ms), intervalCap}; {"reset": true} returns to the defaults',
      tag: 'queue',
      permission: { scope: 'queue:manage', number: 'path' },
      audit: 'queue.policy',
      params: phoneParams,
      body: patchBody,
      responses: { ...out, 400: { description: 'Invalid policy', schema: errorSchema } },
    },
    async ({ params, body }, req, res) => {
      const policy = 'reset' in body ? null : { ...outbox.policy(params.phone), ...body };
      auditedChange(audit, req, { params: body }, () => outbox.setPolicy(params.phone, policy));
      res.json(await outbox.queueStatus(params.phone));
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/devices/:phone/queue/resume',
      summary: 'Lift a timelock pause now (WhatsApp may refuse again and pause it anew)',
      tag: 'queue',
      permission: { scope: 'queue:manage', number: 'path' },
      audit: 'queue.resume',
      params: phoneParams,
      responses: out,
    },
    async ({ params }, req, res) => {
      const lane = outbox.lane(params.phone);
      auditedChange(audit, req, {}, () => lane.resume());
      res.json(await lane.status());
    },
  );

  return router;
}
