import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { AccessPolicy } from '../../auth/policy.js';
import type { Principal } from '../../auth/principal.js';
import type { ChatwootBridge } from '../../chatwoot/bridge.js';
import type { ChatwootBindingRow, ChatwootJobRow } from '../../db/schema.js';
import { GatewayError } from '../../domain/errors.js';
import type { ApiRegistry } from '../api-registry.js';
import { auditLink, noteAuditTarget } from '../audit-trail.js';
import { currentPrincipal } from '../auth-middleware.js';
import type { Permission } from '../route-guard.js';
import { errorSchema, numberKey, phoneParams } from '../schemas.js';
import { bindBody, bindingSchema, deliverySchema, STATUSES } from './chatwoot-schemas.js';

export interface ChatwootRouteDeps {
  readonly bridge: ChatwootBridge;
  readonly policy: AccessPolicy;
  readonly audit: AuditLog;
  /** The base of the webhook URL Chatwoot is given: PUBLIC_URL, or the address this request came to. */
  readonly publicBase: (req: Request) => string;
}

/** A binding decides where a number's conversations go, as its webhook does: operators of the number manage it. */
const MANAGE: Permission = { scope: 'webhooks:manage', number: 'path' };

const iso = (ms: number | null) => (ms === null || ms === 0 ? null : new Date(ms).toISOString());
const notBound = { description: 'Unknown number (or not yours), or not bound', schema: errorSchema };

/** Who may read a number but not manage its binding sees that it is bound and its backlog, not where it posts. */
function summary(binding: z.input<typeof bindingSchema>, manages: boolean): z.input<typeof bindingSchema> | Omit<z.input<typeof bindingSchema>, 'webhookUrl' | 'options'> {
  if (manages) return binding;
  const { webhookUrl: _url, options: _options, ...rest } = binding;
  return rest;
}

function deliveryView(row: ChatwootJobRow): z.input<typeof deliverySchema> {
  return {
    id: row.id,
    phoneNumber: row.phoneNumber,
    direction: row.direction,
    kind: row.kind,
    ref: row.ref,
    lane: row.lane,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? iso(row.nextAttemptAt) : null,
    giveUpAt: iso(row.giveUpAt),
    lastError: row.lastError,
    doneAt: iso(row.doneAt),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** Binding a number to a Chatwoot inbox, the bridge's delivery log with replay, and GET /global-status. */
export function chatwootRoutes(api: ApiRegistry, deps: ChatwootRouteDeps): Router {
  const router = Router();
  const { bridge, policy, audit } = deps;

  const view = (row: ChatwootBindingRow): z.input<typeof bindingSchema> => {
    const backlog = bridge.figures.backlog().find((b) => b.phoneNumber === row.phoneNumber);
    const paused = bridge.queue.pausedFor(row.phoneNumber);
    const empty = { pending: 0, retrying: 0, dead: 0, oldestPendingAt: null };
    return {
      phoneNumber: row.phoneNumber,
      baseUrl: row.baseUrl,
      accountId: row.accountId,
      inboxId: row.inboxId,
      inboxName: row.inboxName,
      webhookUrl: row.webhookUrl,
      signedWebhooks: row.webhookSecret !== null,
      options: { ...row.options, ignoreChats: [...row.options.ignoreChats] },
      importPending: row.importPending,
      backlog: { toChatwoot: backlog?.toChatwoot ?? empty, toWhatsapp: backlog?.toWhatsapp ?? empty, pausedUntil: iso(paused) },
      createdAt: new Date(row.createdAt).toISOString(),
      updatedAt: new Date(row.updatedAt).toISOString(),
    };
  };
  const tenantPhones = (principal: Principal) => policy.visibleNumbers(principal, 'webhooks:manage') ?? undefined;
  const requireDelivery = async (principal: Principal, id: number): Promise<ChatwootJobRow> => {
    const row = await bridge.jobs.get(id);
    if (!row || !policy.allowsNumber(principal, 'webhooks:manage', row.phoneNumber)) {
      throw new GatewayError('DELIVERY_NOT_FOUND', `Chatwoot delivery ${id} does not exist`);
    }
    return row;
  };

  api.route(
    router,
    {
      method: 'put',
      path: '/api/devices/:phone/chatwoot',
      summary: 'Bind the number to a Chatwoot API inbox (an existing one, or one created and pointed at the gateway); checked against Chatwoot, nothing saved on a failed check',
      tag: 'chatwoot',
      permission: MANAGE,
      audit: 'chatwoot.bind',
      params: phoneParams,
      body: bindBody,
      responses: {
        200: { description: 'Bound', schema: bindingSchema },
        400: { description: 'A check failed: the field names what (baseUrl unreachable, apiToken refused, accountId not the token’s, inboxId not an API inbox …)', schema: errorSchema },
        404: notBound,
        409: { description: 'The inbox is bound to another number', schema: errorSchema },
      },
    },
    async ({ params, body }, req, res) => {
      const principal = currentPrincipal(req);
      const who = { userId: principal.user.id, admin: policy.isAdmin(principal), audit: auditLink(audit, req, { params: body }) };
      const result = await bridge.service.bind(params.phone, body, who, deps.publicBase(req));
      res.json({ ...view(result.row), inboxWebhookSet: result.inboxWebhookSet });
    },
  );

  api.route(
    router,
    { method: 'get', path: '/api/devices/:phone/chatwoot', summary: 'The number’s Chatwoot binding (never its token)', tag: 'chatwoot', permission: MANAGE, params: phoneParams, responses: { 200: { description: 'Binding', schema: bindingSchema }, 404: notBound } },
    async ({ params }, _req, res) => {
      res.json(view(await bridge.service.get(params.phone)));
    },
  );

  api.route(
    router,
    {
      method: 'delete',
      path: '/api/devices/:phone/chatwoot',
      summary: 'Unbind: the binding and what the bridge kept for it go; the inbox stops posting to the gateway when the token may change it',
      tag: 'chatwoot',
      permission: MANAGE,
      audit: 'chatwoot.unbind',
      params: phoneParams,
      responses: { 200: { description: 'Unbound', schema: z.object({ unbound: z.literal(true), inboxWebhookCleared: z.boolean() }) }, 404: notBound },
    },
    async ({ params }, req, res) => {
      res.json({ unbound: true, ...(await bridge.service.unbind(params.phone, auditLink(audit, req, {}))) });
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/chatwoot/deliveries',
      summary: 'The bridge’s steps, both directions, newest first (pending, running, done, dead = dead letters to replay)',
      tag: 'chatwoot',
      permission: { scope: 'webhooks:manage' },
      query: z.object({
        status: z.enum(STATUSES).optional(),
        direction: z.enum(['to_chatwoot', 'to_whatsapp']).optional(),
        phoneNumber: numberKey.optional(),
        limit: z.number().int().min(1).max(200).default(50),
        offset: z.number().int().min(0).default(0),
      }),
      responses: { 200: { description: 'One page', schema: z.object({ deliveries: z.array(deliverySchema), total: z.number(), limit: z.number(), offset: z.number() }) } },
    },
    async ({ query }, req, res) => {
      const phones = tenantPhones(currentPrincipal(req));
      const page = await bridge.jobs.list({ status: query.status, direction: query.direction, phoneNumber: query.phoneNumber, phones, limit: query.limit, offset: query.offset });
      res.json({ deliveries: page.rows.map(deliveryView), total: page.total, limit: query.limit, offset: query.offset });
    },
  );

  const idParams = z.object({ id: z.number().int().min(1) });
  api.route(
    router,
    { method: 'get', path: '/api/chatwoot/deliveries/:id', summary: 'One step with what it carries', tag: 'chatwoot', permission: { scope: 'webhooks:manage' }, params: idParams, responses: { 200: { description: 'Step', schema: deliverySchema.extend({ payload: z.record(z.string(), z.unknown()) }) }, 404: { description: 'Unknown (or not yours)', schema: errorSchema } } },
    async ({ params }, req, res) => {
      const row = await requireDelivery(currentPrincipal(req), params.id);
      res.json({ ...deliveryView(row), payload: row.payload });
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/chatwoot/deliveries/:id/replay',
      summary: 'Run a step again (a dead letter is queued afresh, in its place in its conversation)',
      tag: 'chatwoot',
      permission: { scope: 'webhooks:manage' },
      audit: 'chatwoot.replay',
      params: idParams,
      responses: { 200: { description: 'Queued', schema: deliverySchema }, 404: { description: 'Unknown (or not yours)', schema: errorSchema } },
    },
    async ({ params }, req, res) => {
      const row = await requireDelivery(currentPrincipal(req), params.id);
      const target = { type: 'chatwoot_delivery', id: String(row.id) };
      noteAuditTarget(req, target, row.phoneNumber);
      res.json(deliveryView(await bridge.queue.replay(params.id, auditLink(audit, req, { target, phoneNumber: row.phoneNumber }))));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/global-status',
      summary: 'Every number you can see with its WhatsApp state and its Chatwoot binding and backlog (the seed product’s summary; the binding’s details where you manage it)',
      tag: 'chatwoot',
      permission: { scope: 'numbers:read' },
      responses: { 200: { description: 'Summary', schema: z.object({ status: z.literal('ok'), timestamp: z.string(), totals: z.record(z.string(), z.number()), instances: z.array(z.record(z.string(), z.unknown())) }) } },
    },
    (_input, req, res) => {
      const principal = currentPrincipal(req);
      const bindings = new Map(bridge.bindings.list().map((b) => [b.phoneNumber, b]));
      const instances = policy.visible(principal, 'numbers:read').map((d) => {
        const binding = bindings.get(d.phoneNumber);
        return {
          phoneNumber: d.phoneNumber,
          name: d.name,
          state: d.state,
          sessionState: d.sessionState,
          connected: d.sessionState === 'logged_in',
          chatwoot: binding ? summary(view(binding), policy.allows(principal, 'webhooks:manage', d)) : null,
        };
      });
      const totals = {
        instances: instances.length,
        connected: instances.filter((i) => i.connected).length,
        bound: instances.filter((i) => i.chatwoot).length,
        waitingForQr: instances.filter((i) => i.state === 'running' && !i.connected).length,
        dead: instances.reduce((n, i) => n + (i.chatwoot ? i.chatwoot.backlog.toChatwoot.dead + i.chatwoot.backlog.toWhatsapp.dead : 0), 0),
      };
      res.json({ status: 'ok', timestamp: new Date().toISOString(), totals, instances });
    },
  );

  return router;
}
