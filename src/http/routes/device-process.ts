import { Router } from 'express';
import { z } from 'zod';
import type { DeviceService } from '../../devices/device-service.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentPrincipal } from '../auth-middleware.js';
import { deviceSchema, errorSchema, phoneParams } from '../schemas.js';
import { deviceView } from '../views.js';

const deviceOut = { schema: deviceSchema };
/** The child's own `/app/status` as a status answer carries it (null while nothing runs). */
export const childStatusSchema = z.object({ device_id: z.string(), is_connected: z.boolean(), is_logged_in: z.boolean(), jid: z.string().optional() }).nullable();
const notFound = { description: 'Unknown number (or not yours)', schema: errorSchema };

const ACTIONS = {
  start: "Start the number's process",
  stop: "Stop the number's process (it stays stopped until started)",
  restart: "Restart the number's process (a person's restart also clears a crash loop)",
  logout: 'Log the number out of WhatsApp (the process keeps running, ready for a new QR)',
} as const;

/** A number's process: start, stop, restart, logout, its status as the child sees it, and its output. */
export function deviceProcessRoutes(api: ApiRegistry, devices: DeviceService): Router {
  const router = Router();

  for (const action of ['start', 'stop', 'restart', 'logout'] as const) {
    api.route(
      router,
      {
        method: 'post',
        path: `/api/devices/:phone/${action}`,
        summary: ACTIONS[action],
        tag: 'devices',
        permission: { scope: 'numbers:control', number: 'path' },
        audit: `number.${action}`,
        params: phoneParams,
        responses: {
          200: { description: 'Device after the action', ...deviceOut },
          404: notFound,
          409: { description: 'MAX_PROCESSES reached', schema: errorSchema },
          503: { description: 'Process not running (logout) or the gateway is shutting down', schema: errorSchema },
        },
      },
      async ({ params }, req, res) => {
        res.json(deviceView(await devices.control(currentPrincipal(req), params.phone, action)));
      },
    );
  }

  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/status',
      summary: "Gateway state plus the child's own /app/status",
      tag: 'devices',
      permission: { scope: 'numbers:read', number: 'path' },
      params: phoneParams,
      responses: {
        200: {
          description: 'Status',
          schema: z.object({
            device: deviceSchema,
            child: childStatusSchema,
            childError: z.string().optional(),
          }),
        },
        404: notFound,
      },
    },
    async ({ params }, req, res) => {
      const { device, child, childError } = await devices.status(currentPrincipal(req), params.phone);
      res.json({ device: deviceView(device), child, ...(childError === undefined ? {} : { childError }) });
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/logs',
      summary: "The number's process output (newest lines; operators and up)",
      tag: 'devices',
      permission: { scope: 'numbers:read', level: 'operator', number: 'path' },
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
      const lines = devices.logs(currentPrincipal(req), params.phone, query.lines).map((l) => ({ at: new Date(l.at).toISOString(), stream: l.stream, line: l.line }));
      res.json({ phoneNumber: params.phone, lines });
    },
  );

  return router;
}
