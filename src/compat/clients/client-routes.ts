import { Router } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Conversations } from '../../conversations/conversations.js';
import type { DeviceService, DeviceSnapshot } from '../../devices/device-service.js';
import type { AnyOutbox } from '../../messaging/outbox.js';
import type { QrService } from '../../qr/qr-service.js';
import type { ApiRegistry } from '../../http/api-registry.js';
import { currentDevice, currentPrincipal } from '../../http/auth-middleware.js';
import { chatListQuery, chatsPage, messagePageQuery, messagePageSchema, messagesPage } from '../../http/routes/chats.js';
import { chatPageSchema, chatParams } from '../../http/routes/conversation-schemas.js';
import { messageSchema, recipient } from '../../http/routes/message-schemas.js';
import { acceptMessage } from '../../http/routes/messages.js';
import { childStatusSchema } from '../../http/routes/device-process.js';
import { deviceSchema, errorSchema, phoneParams } from '../../http/schemas.js';
import { deviceView } from '../../http/views.js';
import type { LiveQrCodes } from '../tenants/live-qr.js';
import { clientStatus, CLIENT_STATUSES } from './client-status.js';

export interface ClientRouteDeps {
  readonly devices: DeviceService;
  readonly qr: QrService;
  readonly liveQr: LiveQrCodes;
  readonly outbox: Pick<AnyOutbox, 'accept'>;
  readonly conversations: Conversations;
  readonly audit: AuditLog;
}

const clientSchema = deviceSchema
  .extend({
    id: z.string().meta({ description: 'The client id: the number’s phone (or its pending id)' }),
    status: z.enum(CLIENT_STATUSES).meta({ description: 'connected, qr (a QR code to scan is shown), connecting, disconnected, logged_out, error (crash loop, or opened elsewhere)' }),
  })
  .meta({ id: 'Client' });
const notFound = { 404: { description: 'Unknown client (or not yours)', schema: errorSchema } };
const TAG = 'clients';

/**
 * `/api/clients/*`, the multi-client SaaS front end's API (docs/compat.md): the gateway's numbers under the names
 * that front end calls, in the shapes of `/api/devices`. Each route is one call of the service its `/api/devices`
 * twin uses, so states, the outbox and the conversation store are the same; each is audited as `compat.clients.*`.
 */
export function clientRoutes(api: ApiRegistry, deps: ClientRouteDeps): Router {
  const router = Router();
  const { devices, qr, outbox, audit } = deps;
  const view = (snapshot: DeviceSnapshot): z.input<typeof clientSchema> => ({
    ...deviceView(snapshot),
    id: snapshot.row.phoneNumber,
    status: clientStatus(snapshot.runner?.state ?? snapshot.row.state, snapshot.runner?.session ?? snapshot.row.sessionState, deps.liveQr.isLive(snapshot.row.phoneNumber)),
  });

  api.route(
    router,
    {
      method: 'get',
      path: '/api/clients',
      summary: 'Every client you can see, with its status and the totals an admin page shows',
      tag: TAG,
      permission: { scope: 'numbers:read' },
      audit: 'compat.clients.list',
      responses: {
        200: {
          description: 'Clients',
          schema: z.object({
            clients: z.array(clientSchema),
            total: z.number(),
            totals: z.object({ active: z.number(), connected: z.number(), waitingForQr: z.number(), error: z.number() }),
          }),
        },
      },
    },
    async (_input, req, res) => {
      const clients = (await devices.list(currentPrincipal(req))).map(view);
      const count = (match: (c: (typeof clients)[number]) => boolean) => clients.filter(match).length;
      res.json({
        clients,
        total: clients.length,
        totals: { active: count((c) => c.state === 'running'), connected: count((c) => c.status === 'connected'), waitingForQr: count((c) => c.status === 'qr'), error: count((c) => c.status === 'error') },
      });
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/clients/:phone/connect',
      summary: 'Start the client’s process (a client is registered with POST /api/devices; connect creates nothing)',
      tag: TAG,
      permission: { scope: 'numbers:control', number: 'path' },
      audit: 'compat.clients.connect',
      params: phoneParams,
      responses: {
        200: { description: 'Started (or already running)', schema: clientSchema },
        409: { description: 'MAX_PROCESSES reached', schema: errorSchema },
        ...notFound,
      },
    },
    async ({ params }, req, res) => {
      res.json(view(await devices.control(currentPrincipal(req), params.phone, 'start')));
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/clients/:phone/disconnect',
      summary: 'Stop the client’s process, keeping its WhatsApp session (logout=true logs it out first: a new QR code is then needed)',
      tag: TAG,
      permission: { scope: 'numbers:control', number: 'path' },
      audit: 'compat.clients.disconnect',
      params: phoneParams,
      query: z.object({ logout: z.boolean().default(false) }),
      responses: { 200: { description: 'Stopped', schema: clientSchema }, ...notFound },
    },
    async ({ params, query }, req, res) => {
      const principal = currentPrincipal(req);
      const device = currentDevice(req);
      if (query.logout && device.sessionState === 'logged_in') await devices.control(principal, params.phone, 'logout');
      res.json(view(await devices.control(principal, params.phone, 'stop')));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/clients/:phone/status',
      summary: 'The client as the gateway sees it, and the child’s own status',
      tag: TAG,
      permission: { scope: 'numbers:read', number: 'path' },
      audit: 'compat.clients.status',
      params: phoneParams,
      responses: {
        200: {
          description: 'Status',
          schema: z.object({
            client: clientSchema,
            child: childStatusSchema,
            childError: z.string().optional(),
          }),
        },
        ...notFound,
      },
    },
    async ({ params }, req, res) => {
      const { device, child, childError } = await devices.status(currentPrincipal(req), params.phone);
      res.json({ client: view(device), child, ...(childError === undefined ? {} : { childError }) });
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/clients/:phone/qr',
      summary: 'The QR code to scan: the image (data URL, as /api/devices/{phone}/qr) and its raw text',
      tag: TAG,
      permission: { scope: 'numbers:pair', number: 'path' },
      audit: 'compat.clients.qr',
      params: phoneParams,
      responses: {
        200: { description: 'QR code', schema: z.object({ phoneNumber: z.string(), qrCode: z.string(), qr: z.string().nullable(), expiresAt: z.string(), qrDuration: z.number() }) },
        409: { description: 'Already logged in', schema: errorSchema },
        503: { description: 'The process is not running (connect first)', schema: errorSchema },
        504: { description: 'No code from WhatsApp within QR_CODE_TIMEOUT', schema: errorSchema },
        ...notFound,
      },
    },
    async ({ params }, _req, res) => {
      const code = await qr.qr(params.phone);
      res.set('Cache-Control', 'no-store').json({ ...code, qr: deps.liveQr.textOf(params.phone, code.qrCode) });
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/clients/:phone/send-message',
      summary: 'Send a text: stored in the outbox and queued (202 with the message); Idempotency-Key honoured',
      tag: TAG,
      permission: { scope: 'messages:send', number: 'path' },
      audit: 'compat.clients.send',
      params: phoneParams,
      body: z.strictObject({
        to: recipient,
        message: z.string({ error: 'is required' }).min(1, 'must not be empty').max(65_536),
        ttlSeconds: z.number().int().min(1).max(30 * 86_400).optional(),
      }),
      responses: {
        202: { description: 'Accepted (or, with a repeated Idempotency-Key, the first message)', schema: messageSchema },
        400: { description: 'Invalid to or message', schema: errorSchema },
        409: { description: 'Idempotency-Key already used for a different message', schema: errorSchema },
        ...notFound,
      },
    },
    async ({ body }, req, res) => {
      const { phoneNumber } = currentDevice(req);
      await acceptMessage(outbox, audit, req, res, { phoneNumber, recipient: body.to, kind: 'text', content: { message: body.message }, ...(body.ttlSeconds ? { ttlMs: body.ttlSeconds * 1000 } : {}) });
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/clients/:phone/chats',
      summary: 'The client’s chats from the conversation store, newest activity first (keyset cursors before / after)',
      tag: TAG,
      permission: { scope: 'messages:read', number: 'path' },
      audit: 'compat.clients.chats',
      params: phoneParams,
      query: chatListQuery,
      responses: { 200: { description: 'A page of chats', schema: chatPageSchema }, 400: { description: 'Bad cursor, limit or filter', schema: errorSchema }, ...notFound },
    },
    async ({ params, query }, req, res) => {
      res.json(await chatsPage(deps.conversations.service, currentPrincipal(req), params.phone, query));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/clients/:phone/chats/:chatId/messages',
      summary: 'A chat’s messages from the conversation store, newest first (keyset cursors before / after / around)',
      tag: TAG,
      permission: { scope: 'messages:read', number: 'path' },
      audit: 'compat.clients.messages',
      params: chatParams,
      query: messagePageQuery,
      responses: { 200: { description: 'A page of messages', schema: messagePageSchema }, 400: { description: 'Bad chat id, cursor, limit or filter', schema: errorSchema }, ...notFound },
    },
    async ({ params, query }, req, res) => {
      res.json(await messagesPage(deps.conversations.service, currentPrincipal(req), params.phone, params.chatId, query));
    },
  );

  return router;
}
