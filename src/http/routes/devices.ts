import { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../domain/errors.js';
import { sessionFromStatus } from '../../domain/session.js';
import type { QueueStatus } from '../../messaging/types.js';
import type { Supervisor } from '../../supervisor/supervisor.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentUser } from '../auth-middleware.js';
import type { DeviceAccess } from '../../auth/device-access.js';
import { deviceSchema, errorSchema, phoneNumber, phoneParams } from '../schemas.js';
import { deviceView } from '../views.js';
import { assertWebhookTarget } from '../webhook-target.js';

const webhookEvents = z.array(z.string().min(1).max(64)).max(50);
const registerBody = z.strictObject({
  phoneNumber,
  name: z.string().trim().min(1, 'must not be empty').max(100).optional(),
  autoStart: z.boolean().default(true),
  webhookUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048).optional(),
  webhookSecret: z.string().min(8).max(256).optional(),
  webhookEvents: webhookEvents.optional(),
});

const deviceOut = { schema: deviceSchema };
const notFound = { description: 'Unknown number (or not yours)', schema: errorSchema };

/** Where the device object's `queue` comes from (the outbox); optional so the routes stand without messaging. */
export interface QueueStatusSource {
  queueStatus(phoneNumber: string): QueueStatus;
}

export function deviceRoutes(api: ApiRegistry, supervisor: Supervisor, access: DeviceAccess, queues?: QueueStatusSource): Router {
  const router = Router();
  const queueOf = (phone: string) => queues?.queueStatus(phone) ?? null;
  const view = (phone: string) => deviceView(supervisor.row(phone), supervisor.runner(phone), queueOf(phone));

  api.route(
    router,
    { method: 'get', path: '/api/devices', summary: 'List the numbers you can see', tag: 'devices', responses: { 200: { description: 'Devices', schema: z.object({ devices: z.array(deviceSchema), total: z.number() }) } } },
    (_input, req, res) => {
      const devices = access.visible(currentUser(req)).map((row) => deviceView(row, supervisor.runner(row.phoneNumber), queueOf(row.phoneNumber)));
      res.json({ devices, total: devices.length });
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/devices',
      summary: 'Register a number (and start its process unless autoStart is false)',
      tag: 'devices',
      body: registerBody,
      responses: {
        201: { description: 'Registered', ...deviceOut },
        400: { description: 'Invalid body', schema: errorSchema },
        409: { description: 'Already registered, or MAX_PROCESSES reached', schema: errorSchema },
      },
    },
    async ({ body }, req, res) => {
      await assertWebhookTarget(currentUser(req), body.webhookUrl);
      const row = await supervisor.register(
        {
          phoneNumber: body.phoneNumber,
          name: body.name ?? body.phoneNumber,
          ownerId: currentUser(req).id,
          webhookUrl: body.webhookUrl ?? null,
          webhookSecret: body.webhookSecret ?? null,
          webhookEvents: body.webhookEvents ?? null,
        },
        body.autoStart,
      );
      res.status(201).json(deviceView(row, supervisor.runner(row.phoneNumber), queueOf(row.phoneNumber)));
    },
  );

  api.route(
    router,
    { method: 'get', path: '/api/devices/:phone', summary: 'One number', tag: 'devices', params: phoneParams, responses: { 200: { description: 'Device', ...deviceOut }, 404: notFound } },
    ({ params }, req, res) => {
      access.require(currentUser(req), params.phone);
      res.json(view(params.phone));
    },
  );

  api.route(
    router,
    {
      method: 'delete',
      path: '/api/devices/:phone',
      summary: 'Stop and unregister a number; purge=true also deletes its session folder',
      tag: 'devices',
      params: phoneParams,
      query: z.object({ purge: z.boolean().default(false) }),
      responses: { 200: { description: 'Deleted', schema: z.object({ deleted: z.literal(true), purged: z.boolean() }) }, 404: notFound },
    },
    async ({ params, query }, req, res) => {
      access.require(currentUser(req), params.phone);
      await supervisor.remove(params.phone, query.purge);
      res.json({ deleted: true, purged: query.purge });
    },
  );

  for (const action of ['start', 'stop', 'restart'] as const) {
    api.route(
      router,
      {
        method: 'post',
        path: `/api/devices/:phone/${action}`,
        summary: `${action[0]?.toUpperCase()}${action.slice(1)} the number's process`,
        tag: 'devices',
        params: phoneParams,
        responses: { 200: { description: 'Device after the action', ...deviceOut }, 404: notFound, 409: { description: 'MAX_PROCESSES reached', schema: errorSchema } },
      },
      async ({ params }, req, res) => {
        access.require(currentUser(req), params.phone);
        await supervisor[action](params.phone);
        res.json(view(params.phone));
      },
    );
  }

  api.route(
    router,
    {
      method: 'post',
      path: '/api/devices/:phone/logout',
      summary: "Log the number out of WhatsApp (the process keeps running, ready for a new QR)",
      tag: 'devices',
      params: phoneParams,
      responses: { 200: { description: 'Logged out', ...deviceOut }, 404: notFound, 503: { description: 'Process not running', schema: errorSchema } },
    },
    async ({ params }, req, res) => {
      access.require(currentUser(req), params.phone);
      const runner = supervisor.runner(params.phone);
      const client = runner?.client;
      if (!runner || !client || runner.state !== 'running') throw notRunning(params.phone, runner?.state ?? 'stopped');
      await client.logout();
      runner.setSession('logged_out', null);
      res.json(view(params.phone));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/status',
      summary: "Gateway state plus the child's own /app/status",
      tag: 'devices',
      params: phoneParams,
      responses: {
        200: {
          description: 'Status',
          schema: z.object({
            device: deviceSchema,
            child: z.object({ device_id: z.string(), is_connected: z.boolean(), is_logged_in: z.boolean(), jid: z.string().optional() }).nullable(),
            childError: z.string().optional(),
          }),
        },
        404: notFound,
      },
    },
    async ({ params }, req, res) => {
      access.require(currentUser(req), params.phone);
      const runner = supervisor.runner(params.phone);
      const client = runner?.state === 'running' ? runner.client : null;
      if (!runner || !client) {
        res.json({ device: view(params.phone), child: null });
        return;
      }
      try {
        const child = await client.appStatus();
        runner.setSession(sessionFromStatus(runner.session, child), child.is_logged_in && child.jid ? child.jid : null);
        res.json({ device: view(params.phone), child });
      } catch (err) {
        res.json({ device: view(params.phone), child: null, childError: (err as Error).message });
      }
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/logs',
      summary: "The number's process output (newest lines)",
      tag: 'devices',
      params: phoneParams,
      query: z.object({ lines: z.number().int().min(1).max(5000).default(100) }),
      responses: {
        200: {
          description: 'Log lines, oldest first',
          schema: z.object({ phoneNumber: z.string(), lines: z.array(z.object({ at: z.string(), stream: z.enum(['stdout', 'stderr', 'gateway']), line: z.string() })) }),
        },
        404: notFound,
      },
    },
    ({ params, query }, req, res) => {
      access.require(currentUser(req), params.phone);
      const runner = supervisor.runner(params.phone);
      const lines = (runner?.logs.tail(query.lines) ?? []).map((l) => ({ at: new Date(l.at).toISOString(), stream: l.stream, line: l.line }));
      res.json({ phoneNumber: params.phone, lines });
    },
  );

  return router;
}

export function notRunning(phone: string, state: string): GatewayError {
  return new GatewayError('DEVICE_NOT_RUNNING', `the process of ${phone} is not running (state: ${state})`, { state });
}
