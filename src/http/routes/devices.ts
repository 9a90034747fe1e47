import { Router } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { DeviceService } from '../../devices/device-service.js';
import type { ApiRegistry } from '../api-registry.js';
import { ValidationError } from '../../domain/errors.js';
import { auditLink, noteAuditTarget } from '../audit-trail.js';
import { currentPrincipal, currentUser } from '../auth-middleware.js';
import { deviceSchema, errorSchema, phoneNumber, phoneParams } from '../schemas.js';
import { deviceView } from '../views.js';
import { assertWebhookTarget } from '../webhook-target.js';

const name = z.string().trim().min(1, 'must not be empty').max(100);
const webhookUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);
const webhookSecret = z.string().min(8).max(256);
const webhookEvents = z.array(z.string().trim().min(1).max(64)).max(50);

const registerBody = z.strictObject({
  phoneNumber: phoneNumber.optional().meta({ description: 'The number (required unless pending)' }),
  pending: z.literal(true).optional().meta({ description: 'Instead of phoneNumber: a number whose phone is not known yet; it gets a pending id and takes the phone that pairs with it (docs/pending-numbers.md)' }),
  name: name.optional(),
  autoStart: z.boolean().default(true),
  webhookUrl: webhookUrl.optional(),
  webhookSecret: webhookSecret.optional(),
  webhookEvents: webhookEvents.optional(),
});

const patchBody = z
  .object({
    name: name.optional(),
    webhookUrl: webhookUrl.nullable().optional(),
    webhookSecret: webhookSecret.nullable().optional(),
    webhookEvents: webhookEvents.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one of name, webhookUrl, webhookSecret, webhookEvents');

const deviceOut = { schema: deviceSchema };
const notFound = { description: 'Unknown number (or not yours)', schema: errorSchema };

/** The number resource: list, register, read, change, unregister. */
export function deviceRoutes(api: ApiRegistry, devices: DeviceService, audit: AuditLog): Router {
  const router = Router();

  api.route(
    router,
    { method: 'get', path: '/api/devices', summary: 'List the numbers you can see', tag: 'devices', permission: { scope: 'numbers:read' }, responses: { 200: { description: 'Devices', schema: z.object({ devices: z.array(deviceSchema), total: z.number() }) } } },
    async (_input, req, res) => {
      const list = (await devices.list(currentPrincipal(req))).map(deviceView);
      res.json({ devices: list, total: list.length });
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/devices',
      summary: 'Register a number (and start its process unless autoStart is false); without phoneNumber, a pending number that takes the phone that pairs',
      tag: 'devices',
      permission: { scope: 'numbers:create' },
      audit: 'number.create',
      body: registerBody,
      responses: {
        201: { description: 'Registered', ...deviceOut },
        400: { description: 'Invalid body', schema: errorSchema },
        409: { description: 'Already registered, or MAX_PROCESSES reached', schema: errorSchema },
      },
    },
    async ({ body }, req, res) => {
      if (!body.phoneNumber && !body.pending) throw new ValidationError([{ field: 'phoneNumber', message: 'is required (or pending: true, for a number whose phone is not known yet)' }]);
      if (body.phoneNumber && body.pending) throw new ValidationError([{ field: 'pending', message: 'give either phoneNumber or pending, not both' }]);
      await assertWebhookTarget(currentUser(req), body.webhookUrl);
      const created = await devices.register(currentPrincipal(req), body);
      // The row names the number made (a pending number's id is known only now).
      noteAuditTarget(req, { type: 'number', id: created.row.phoneNumber }, created.row.phoneNumber);
      res.status(201).json(deviceView(created));
    },
  );

  api.route(
    router,
    { method: 'get', path: '/api/devices/:phone', summary: 'One number', tag: 'devices', permission: { scope: 'numbers:read', number: 'path' }, params: phoneParams, responses: { 200: { description: 'Device', ...deviceOut }, 404: notFound } },
    async ({ params }, req, res) => {
      res.json(deviceView(await devices.get(currentPrincipal(req), params.phone)));
    },
  );

  api.route(
    router,
    {
      method: 'patch',
      path: '/api/devices/:phone',
      summary: "Change a number's name or its webhook (url, secret, events; null clears); webhook fields also need webhooks:manage",
      tag: 'devices',
      permission: { scope: 'numbers:control', number: 'path' },
      audit: 'number.update',
      params: phoneParams,
      body: patchBody,
      responses: { 200: { description: 'Device after the change', ...deviceOut }, 400: { description: 'Invalid body', schema: errorSchema }, 404: notFound },
    },
    async ({ params, body }, req, res) => {
      await assertWebhookTarget(currentUser(req), body.webhookUrl);
      res.json(deviceView(await devices.update(currentPrincipal(req), params.phone, body, auditLink(audit, req, { params: body }))));
    },
  );

  api.route(
    router,
    {
      method: 'delete',
      path: '/api/devices/:phone',
      summary: 'Stop and unregister a number; purge=true also deletes its session folder',
      tag: 'devices',
      permission: { scope: 'numbers:delete', number: 'path' },
      audit: 'number.delete',
      params: phoneParams,
      query: z.object({ purge: z.boolean().default(false) }),
      responses: { 200: { description: 'Deleted', schema: z.object({ deleted: z.literal(true), purged: z.boolean() }) }, 404: notFound },
    },
    async ({ params, query }, req, res) => {
      await devices.remove(currentPrincipal(req), params.phone, query.purge);
      res.json({ deleted: true, purged: query.purge });
    },
  );

  return router;
}
