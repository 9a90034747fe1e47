import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AccessPolicy } from '../../auth/policy.js';
import type { Principal } from '../../auth/principal.js';
import type { ChatwootBridge } from '../../chatwoot/bridge.js';
import type { ChatwootBindingRow, ChatwootJobRow } from '../../db/schema.js';
import { GatewayError } from '../../domain/errors.js';
import { normalizeJid } from '../../domain/jid.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentPrincipal } from '../auth-middleware.js';
import { errorSchema, numberKey, phoneParams } from '../schemas.js';

export interface ChatwootRouteDeps {
  readonly bridge: ChatwootBridge;
  readonly policy: AccessPolicy;
  /** The base of the webhook URL Chatwoot is given: PUBLIC_URL, or the address this request came to. */
  readonly publicBase: (req: Request) => string;
}

const jid = z.string().transform((value, ctx) => {
  const parsed = normalizeJid(value);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: 'must be a WhatsApp JID (5511…@s.whatsapp.net, …@g.us, …@lid)' });
    return z.NEVER;
  }
  return parsed;
});

const optionsBody = z
  .strictObject({
    reopenConversations: z.boolean().optional().meta({ description: 'true (default): messages keep going to the person’s conversation (Chatwoot reopens a resolved one); false: a resolved conversation stays closed and a new one opens' }),
    pendingConversations: z.boolean().optional().meta({ description: 'New conversations start as pending (default false: open)' }),
    signAgentName: z.boolean().optional().meta({ description: 'Agent replies reach WhatsApp as *Name*: + the text (default false)' }),
    ignoreGroups: z.boolean().optional(),
    ignoreChats: z.array(jid).max(500).optional().meta({ description: 'Chats (JIDs) not bridged' }),
    importDays: z.number().int().min(0).max(365).optional().meta({ description: 'Import the stored messages of the last N days when binding (default 0)' }),
    ownMessages: z.enum(['outgoing', 'private_note']).optional().meta({ description: 'Messages sent from the phone itself show as outgoing messages (default) or private notes' }),
    unsignedWebhooks: z.boolean().optional().meta({ description: 'Chatwoot older than 4.13 signs no API-inbox webhook: accept them unsigned (the secret webhook URL is then the only check)' }),
  })
  .meta({ description: 'How the binding bridges; each option has a default' });

const bindBody = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(1024).optional().meta({ description: 'Chatwoot’s address; default CHATWOOT_BASE_URL' }),
  accountId: z.number().int().min(1).optional().meta({ description: 'The number in /app/accounts/<id>/…; default DEFAULT_CHATWOOT_ACCOUNT_ID' }),
  apiToken: z.string().min(8).max(256).optional().meta({ description: 'A User access token (Profile settings → Access Token); an administrator’s to create or point the inbox; default CHATWOOT_API_ACCESS_TOKEN. Stored encrypted, never shown.' }),
  inboxId: z.number().int().min(1).optional().meta({ description: 'An existing API inbox' }),
  createInbox: z.strictObject({ name: z.string().trim().min(1).max(100) }).optional().meta({ description: 'Or: create an API inbox with this name, pointed at the gateway' }),
  webhookSecret: z.string().min(8).max(256).optional().meta({ description: 'The inbox’s webhook signing secret, when the token cannot read it (not an administrator’s)' }),
  options: optionsBody.optional(),
});

const backlogSchema = z.object({ pending: z.number(), retrying: z.number(), dead: z.number(), oldestPendingAt: z.string().nullable() });
const bindingSchema = z
  .object({
    phoneNumber: z.string(),
    baseUrl: z.string(),
    accountId: z.number(),
    inboxId: z.number(),
    inboxName: z.string().nullable(),
    webhookUrl: z.string().meta({ description: 'Where the inbox posts its webhooks (secret: it names the binding)' }),
    signedWebhooks: z.boolean(),
    inboxWebhookSet: z.boolean().optional().meta({ description: 'After PUT: whether the inbox now posts to webhookUrl (a non-administrator’s token cannot set it: do it in Chatwoot, Settings → Inboxes → the inbox → Configuration)' }),
    options: z.object({
      reopenConversations: z.boolean(),
      pendingConversations: z.boolean(),
      signAgentName: z.boolean(),
      ignoreGroups: z.boolean(),
      ignoreChats: z.array(z.string()),
      importDays: z.number(),
      ownMessages: z.enum(['outgoing', 'private_note']),
      unsignedWebhooks: z.boolean(),
    }),
    importPending: z.boolean().meta({ description: 'The history import waits for the number’s first backfill (bound before it paired)' }),
    backlog: z.object({ toChatwoot: backlogSchema, toWhatsapp: backlogSchema, pausedUntil: z.string().nullable() }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ChatwootBinding' });

const STATUSES = ['pending', 'running', 'done', 'dead'] as const;
const deliverySchema = z
  .object({
    id: z.number(),
    phoneNumber: z.string(),
    direction: z.enum(['to_chatwoot', 'to_whatsapp']),
    kind: z.enum(['message', 'merge', 'note', 'reply', 'fail']),
    ref: z.string().meta({ description: 'message: the stored message id; reply, fail: the Chatwoot message id; merge: the @lid; note: its source id' }),
    lane: z.string(),
    status: z.enum(STATUSES),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    giveUpAt: z.string().nullable(),
    lastError: z.string().nullable(),
    doneAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ChatwootDelivery' });

const iso = (ms: number | null) => (ms === null || ms === 0 ? null : new Date(ms).toISOString());
const notBound = { description: 'Unknown number (or not yours), or not bound', schema: errorSchema };

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
  const { bridge, policy } = deps;

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
  const requireDelivery = (principal: Principal, id: number): ChatwootJobRow => {
    const row = bridge.jobs.get(id);
    if (!row || !(policy.seesEverything(principal) || policy.allowsNumber(principal, 'webhooks:manage', row.phoneNumber))) {
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
      permission: { scope: 'webhooks:manage', number: 'path' },
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
      const result = await bridge.service.bind(params.phone, body, { userId: principal.user.id, admin: policy.isAdmin(principal) }, deps.publicBase(req));
      res.json({ ...view(result.row), inboxWebhookSet: result.inboxWebhookSet });
    },
  );

  api.route(
    router,
    { method: 'get', path: '/api/devices/:phone/chatwoot', summary: 'The number’s Chatwoot binding (never its token)', tag: 'chatwoot', permission: { scope: 'numbers:read', number: 'path' }, params: phoneParams, responses: { 200: { description: 'Binding', schema: bindingSchema }, 404: notBound } },
    ({ params }, _req, res) => {
      res.json(view(bridge.service.get(params.phone)));
    },
  );

  api.route(
    router,
    {
      method: 'delete',
      path: '/api/devices/:phone/chatwoot',
      summary: 'Unbind: the binding and what the bridge kept for it go; the inbox stops posting to the gateway when the token may change it',
      tag: 'chatwoot',
      permission: { scope: 'webhooks:manage', number: 'path' },
      audit: 'chatwoot.unbind',
      params: phoneParams,
      responses: { 200: { description: 'Unbound', schema: z.object({ unbound: z.literal(true), inboxWebhookCleared: z.boolean() }) }, 404: notBound },
    },
    async ({ params }, _req, res) => {
      res.json({ unbound: true, ...(await bridge.service.unbind(params.phone)) });
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
    ({ query }, req, res) => {
      const phones = tenantPhones(currentPrincipal(req));
      const page = bridge.jobs.list({ status: query.status, direction: query.direction, phoneNumber: query.phoneNumber, phones, limit: query.limit, offset: query.offset });
      res.json({ deliveries: page.rows.map(deliveryView), total: page.total, limit: query.limit, offset: query.offset });
    },
  );

  const idParams = z.object({ id: z.number().int().min(1) });
  api.route(
    router,
    { method: 'get', path: '/api/chatwoot/deliveries/:id', summary: 'One step with what it carries', tag: 'chatwoot', permission: { scope: 'webhooks:manage' }, params: idParams, responses: { 200: { description: 'Step', schema: deliverySchema.extend({ payload: z.record(z.string(), z.unknown()) }) }, 404: { description: 'Unknown (or not yours)', schema: errorSchema } } },
    ({ params }, req, res) => {
      const row = requireDelivery(currentPrincipal(req), params.id);
      res.json({ ...deliveryView(row), payload: row.payload });
    },
  );

  api.route(
    router,
    { method: 'post', path: '/api/chatwoot/deliveries/:id/replay', summary: 'Run a step again (a dead letter is queued afresh, in its place in its conversation)', tag: 'chatwoot', permission: { scope: 'webhooks:manage' }, audit: 'chatwoot.replay', params: idParams, responses: { 200: { description: 'Queued', schema: deliverySchema }, 404: { description: 'Unknown (or not yours)', schema: errorSchema } } },
    ({ params }, req, res) => {
      requireDelivery(currentPrincipal(req), params.id);
      res.json(deliveryView(bridge.queue.replay(params.id)));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/global-status',
      summary: 'Every number you can see with its WhatsApp state and its Chatwoot binding and backlog (the seed product’s summary)',
      tag: 'chatwoot',
      permission: { scope: 'numbers:read' },
      responses: { 200: { description: 'Summary', schema: z.object({ status: z.literal('ok'), timestamp: z.string(), totals: z.record(z.string(), z.number()), instances: z.array(z.record(z.string(), z.unknown())) }) } },
    },
    (_input, req, res) => {
      const devices = policy.visible(currentPrincipal(req), 'numbers:read');
      const bindings = new Map(bridge.bindings.list().map((b) => [b.phoneNumber, b]));
      const instances = devices.map((d) => {
        const binding = bindings.get(d.phoneNumber);
        return {
          phoneNumber: d.phoneNumber,
          name: d.name,
          state: d.state,
          sessionState: d.sessionState,
          connected: d.sessionState === 'logged_in',
          chatwoot: binding ? view(binding) : null,
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
