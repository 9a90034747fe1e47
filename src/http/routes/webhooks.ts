import { Router } from 'express';
import { z } from 'zod';
import type { AccessPolicy } from '../../auth/policy.js';
import type { Principal } from '../../auth/principal.js';
import type { Mode } from '../../db/ports/answer.js';
import type { DeviceReader } from '../../db/ports/devices.js';
import type { DeliveryRow } from '../../db/schema.js';
import { GatewayError } from '../../domain/errors.js';
import type { WebhookService } from '../../webhooks/webhook-service.js';
import type { ApiRegistry } from '../api-registry.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { auditLink, noteAuditTarget } from '../audit-trail.js';
import { currentPrincipal } from '../auth-middleware.js';
import { errorSchema, numberKey } from '../schemas.js';
import { deliveryErrorFor } from '../webhook-target.js';

export interface WebhookRouteDeps {
  readonly devices: Pick<DeviceReader, 'get'>;
  readonly webhooks: Pick<WebhookService<Mode>, 'store' | 'replay' | 'health'>;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
}

const statuses = ['pending', 'failed', 'dead', 'delivered'] as const;
const deliverySchema = z
  .object({
    id: z.number(),
    eventId: z.string(),
    type: z.string(),
    phoneNumber: z.string(),
    endpoint: z.string(),
    scope: z.enum(['device', 'global', 'compat']),
    status: z.enum(statuses),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    giveUpAt: z.string(),
    lastStatus: z.number().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });
const idParams = z.object({ id: z.number().int().min(1) });
const notFound = { description: 'Unknown delivery (or not yours)', schema: errorSchema };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function deliveryView(row: DeliveryRow, user: { readonly role: string }): z.input<typeof deliverySchema> {
  return {
    id: row.id,
    eventId: row.eventId,
    type: row.eventType,
    phoneNumber: row.phoneNumber,
    endpoint: row.endpoint,
    scope: row.scope,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' || row.status === 'failed' ? iso(row.nextAttemptAt) : null,
    giveUpAt: new Date(row.giveUpAt).toISOString(),
    lastStatus: row.lastStatus,
    lastError: deliveryErrorFor(user, row.lastError),
    deliveredAt: iso(row.deliveredAt),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

function bodyOf(row: DeliveryRow): Record<string, unknown> {
  try {
    return JSON.parse(row.body) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The outbound webhook delivery log with replay, and the delivery backlog per endpoint. */
export function webhookRoutes(api: ApiRegistry, deps: WebhookRouteDeps): Router {
  const router = Router();
  const { policy, webhooks, audit } = deps;
  const deliveries = webhooks.store;

  /** Admins see every delivery (the global webhook's too); others their numbers' deliveries to those numbers' webhooks. */
  const visible = (principal: Principal, row: DeliveryRow): boolean => {
    if (policy.seesEverything(principal)) return true;
    const device = deps.devices.get(row.phoneNumber);
    return row.scope === 'device' && device !== undefined && policy.allows(principal, 'webhooks:manage', device);
  };
  const requireDelivery = async (principal: Principal, id: number): Promise<DeliveryRow> => {
    const row = await deliveries.get(id);
    if (!row || !visible(principal, row)) throw new GatewayError('DELIVERY_NOT_FOUND', `delivery ${id} does not exist`);
    return row;
  };
  const tenantPhones = (principal: Principal) => policy.visibleNumbers(principal, 'webhooks:manage') ?? undefined;
  const roleOf = (principal: Principal) => ({ role: principal.kind === 'system' || policy.isAdmin(principal) ? 'admin' : 'user' });

  api.route(
    router,
    {
      method: 'get',
      path: '/api/webhooks/deliveries',
      summary: 'Outbound webhook deliveries, newest first (filter by status: pending, failed = retrying, dead, delivered)',
      tag: 'webhooks',
      permission: { scope: 'webhooks:manage' },
      query: z.object({
        status: z.enum(statuses).optional(),
        phoneNumber: numberKey.optional(),
        limit: z.number().int().min(1).max(200).default(50),
        offset: z.number().int().min(0).default(0),
      }),
      responses: {
        200: { description: 'One page', schema: z.object({ deliveries: z.array(deliverySchema), total: z.number(), limit: z.number(), offset: z.number() }) },
      },
    },
    async ({ query }, req, res) => {
      const principal = currentPrincipal(req);
      const phones = tenantPhones(principal);
      const filter = { status: query.status, phoneNumber: query.phoneNumber, ...(phones ? { phones, scope: 'device' as const } : {}) };
      const page = await deliveries.list(filter, query.limit, query.offset);
      res.json({ deliveries: page.rows.map((row) => deliveryView(row, roleOf(principal))), total: page.total, limit: query.limit, offset: query.offset });
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/webhooks/deliveries/:id',
      summary: 'One delivery, with the exact body it sends',
      tag: 'webhooks',
      permission: { scope: 'webhooks:manage' },
      params: idParams,
      responses: { 200: { description: 'Delivery', schema: deliverySchema.extend({ body: z.record(z.string(), z.unknown()) }) }, 404: notFound },
    },
    async ({ params }, req, res) => {
      const principal = currentPrincipal(req);
      const row = await requireDelivery(principal, params.id);
      res.json({ ...deliveryView(row, roleOf(principal)), body: bodyOf(row) });
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/webhooks/deliveries/:id/replay',
      summary: 'Send a delivery again: a dead (or delivered) one is queued afresh, a pending one is tried now',
      tag: 'webhooks',
      permission: { scope: 'webhooks:manage' },
      audit: 'webhook.replay',
      params: idParams,
      responses: { 200: { description: 'Delivery, queued', schema: deliverySchema }, 404: notFound },
    },
    async ({ params }, req, res) => {
      const principal = currentPrincipal(req);
      const row = await requireDelivery(principal, params.id);
      noteAuditTarget(req, { type: 'delivery', id: String(row.id) }, row.phoneNumber);
      const replayed = await webhooks.replay(params.id, auditLink(audit, req, { target: { type: 'delivery', id: String(row.id) }, phoneNumber: row.phoneNumber }));
      res.json(deliveryView(replayed, roleOf(principal)));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/health/webhooks',
      summary: 'Outbound webhook backlog per endpoint: pending, retrying, dead, in flight',
      tag: 'health',
      permission: { scope: 'webhooks:manage' },
      responses: {
        200: {
          description: 'Backlog',
          schema: z.object({
            status: z.enum(['ok', 'degraded']),
            endpoints: z.array(
              z.object({
                endpoint: z.string(),
                scope: z.enum(['device', 'global', 'compat']),
                pending: z.number(),
                retrying: z.number(),
                dead: z.number(),
                inFlight: z.number(),
                oldestPendingAt: z.string().nullable(),
              }),
            ),
            totals: z.object({ pending: z.number(), retrying: z.number(), dead: z.number() }),
          }),
        },
      },
    },
    async (_input, req, res) => {
      res.json(await webhooks.health(tenantPhones(currentPrincipal(req))));
    },
  );

  return router;
}
