/** `/app/*` (docs/binary-contract.md §7, §8): login, pairing code, logout, reconnect, devices, status; `/app/info`. */
import type { Services } from '../app.js';
import type { Slot } from '../core/slot.js';
import { appDevice, appDevices, statusView } from '../core/views.js';
import type { Ctx } from '../http/context.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';

export const APP_VERSION = 'v9.2.0';

/** Shared by `/app/login` and `/devices/{id}/login`. `qr_link` is built from the request's Host header. */
export async function qrLogin(services: Services, ctx: Ctx, slot: Slot): Promise<void> {
  const file = await services.login.startQr(slot);
  sendOk(ctx.res, 'Login success', {
    device_id: slot.id,
    qr_duration: services.config.knobs.qrDurationSec,
    qr_link: `http://${ctx.host}${services.config.basePath}/statics/qrcode/${file}`,
  });
}

export function registerAppRoutes(open: Router, scoped: Router, services: Services): void {
  const { login, devices, hub, config } = services;

  open.on('GET', '/app/info', (ctx) =>
    sendOk(ctx.res, 'Fetch app info success', {
      version: APP_VERSION,
      os: config.os,
      base_path: config.basePath,
      max_file_size: 50_000_000,
      max_video_size: 100_000_000,
      max_image_size: 20_000_000,
      chatwoot_enabled: false,
    }),
  );

  scoped
    .on('GET', '/app/login', (ctx) => qrLogin(services, ctx, ctx.slot))
    .on('GET', '/app/login-with-code', (ctx) => {
      const code = login.startCode(ctx.slot, ctx.query.get('phone') ?? '');
      sendOk(ctx.res, 'Login with code success', { device_id: ctx.slot.id, pair_code: code });
    })
    .on('GET', '/app/logout', async (ctx) => {
      await login.logout(ctx.slot);
      hub.broadcast('DEVICE_LOGGED_OUT', `Device ${ctx.slot.id} logged out (slot kept)`, {
        device_id: ctx.slot.id,
        devices: devices.list().map(appDevice),
      });
      sendOk(ctx.res, 'Success logout', { device_id: ctx.slot.id });
    })
    .on('GET', '/app/reconnect', (ctx) => {
      login.reconnect(ctx.slot);
      sendOk(ctx.res, 'Reconnect success', { device_id: ctx.slot.id });
    })
    .on('GET', '/app/devices', (ctx) => sendOk(ctx.res, 'Fetch device success', appDevices(devices.list())))
    .on('GET', '/app/status', (ctx) => sendOk(ctx.res, 'Connection status retrieved', statusView(ctx.slot)));
}
