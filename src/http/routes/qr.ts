import { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../domain/errors.js';
import type { QrService } from '../../qr/qr-service.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentPrincipal } from '../auth-middleware.js';
import type { Principal } from '../../auth/principal.js';
import type { DeviceService } from '../../devices/device-service.js';
import { errorSchema, phoneParams } from '../schemas.js';
import { deviceView } from '../views.js';

const errors = {
  404: { description: 'Unknown number (or not yours)', schema: errorSchema },
  409: { description: 'Already logged in (the body carries the device)', schema: errorSchema },
  503: { description: 'The number\'s process is not running (the body carries its state)', schema: errorSchema },
  504: { description: 'No code from WhatsApp within QR_CODE_TIMEOUT', schema: errorSchema },
};

/** QR and pairing-code login for a number; `device` is added to 409 answers so the caller sees why. */
export function qrRoutes(api: ApiRegistry, qr: QrService, devices: DeviceService): Router {
  const router = Router();
  const withDevice = async (user: Principal, phone: string, err: unknown): Promise<unknown> =>
    err instanceof GatewayError && err.code === 'ALREADY_LOGGED_IN' ? new GatewayError(err.code, err.message, { ...err.details, device: deviceView(await devices.get(user, phone)) }) : err;

  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/qr',
      summary: 'QR code to link the number, inline as a PNG data URL (the same code until it expires)',
      tag: 'login',
      permission: { scope: 'numbers:pair', number: 'path' },
      audit: 'number.pair_qr',
      params: phoneParams,
      responses: {
        200: {
          description: 'QR code',
          schema: z.object({ phoneNumber: z.string(), qrCode: z.string(), expiresAt: z.string(), qrDuration: z.number() }),
        },
        ...errors,
      },
    },
    async ({ params }, req, res) => {
      const user = currentPrincipal(req);
      try {
        res.set('Cache-Control', 'no-store').json(await qr.qr(params.phone));
      } catch (err) {
        throw await withDevice(user, params.phone, err);
      }
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/devices/:phone/pair-code',
      summary: 'Pairing code to type on the phone instead of scanning (Linked devices → Link with phone number)',
      tag: 'login',
      permission: { scope: 'numbers:pair', number: 'path' },
      audit: 'number.pair_code',
      params: phoneParams,
      responses: { 200: { description: 'Pairing code', schema: z.object({ phoneNumber: z.string(), pairCode: z.string() }) }, ...errors },
    },
    async ({ params }, req, res) => {
      const user = currentPrincipal(req);
      try {
        res.set('Cache-Control', 'no-store').json(await qr.pairCode(params.phone));
      } catch (err) {
        throw await withDevice(user, params.phone, err);
      }
    },
  );

  return router;
}
