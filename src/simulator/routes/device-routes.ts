/** `/devices…` (docs/binary-contract.md §7 device management): not device-scoped, the slot id is in the path. */
import type { Services } from '../app.js';
import { EMPTY_WEBHOOK, type DeviceWebhook } from '../core/slot.js';
import { deviceObject, webhookView } from '../core/views.js';
import { errors } from '../http/errors.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { qrLogin } from './app-routes.js';

const WEBHOOK_FIELDS = ['webhook_url', 'webhook_secret', 'webhook_events', 'webhook_insecure_skip_verify'] as const;

/** Go's JSON binder rejects a wrongly-typed field; the /devices routes turn that into 400 BAD_REQUEST. */
function readWebhook(fields: Record<string, unknown>, fallback: DeviceWebhook): DeviceWebhook {
  const text = (key: string, current: string): string => {
    const value = fields[key];
    if (value === undefined) return current;
    if (typeof value !== 'string') throw errors.badRequest('Invalid request body');
    return value;
  };
  const flag = fields.webhook_insecure_skip_verify;
  if (flag !== undefined && typeof flag !== 'boolean' && flag !== 'true' && flag !== 'false') throw errors.badRequest('Invalid request body');
  return {
    url: text('webhook_url', fallback.url),
    secret: text('webhook_secret', fallback.secret),
    events: text('webhook_events', fallback.events),
    insecureSkipVerify: flag === undefined ? fallback.insecureSkipVerify : flag === true || flag === 'true',
  };
}

export function registerDeviceRoutes(open: Router, services: Services): void {
  const { devices, login, hub } = services;

  open
    .on('GET', '/devices', (ctx) => {
      const list = devices.list().map(deviceObject);
      sendOk(ctx.res, 'List devices', list.length > 0 ? list : null);
    })
    .on('POST', '/devices', async (ctx) => {
      const { fields } = await ctx.deviceBody();
      const id = fields.device_id;
      if (id !== undefined && typeof id !== 'string') throw errors.badRequest('Invalid request body');
      const webhook = readWebhook(fields, EMPTY_WEBHOOK);
      const slot = devices.create(id?.trim(), webhook);
      const given = WEBHOOK_FIELDS.some((key) => fields[key] !== undefined);
      const { device_id: _ignored, ...webhookFields } = webhookView(slot);
      sendOk(ctx.res, 'Device added', {
        id: slot.id,
        display_name: slot.record.displayName,
        jid: slot.record.jid,
        state: slot.state,
        created_at: slot.record.createdAt,
        ...(given ? webhookFields : {}),
      });
    })
    .on('GET', '/devices/:id', (ctx) => sendOk(ctx.res, 'Device info', deviceObject(devices.get(ctx.params.id ?? ''))))
    .on('DELETE', '/devices/:id', async (ctx) => {
      const slot = devices.get(ctx.params.id ?? '');
      login.forget(slot);
      services.faults.clear(slot.id);
      await devices.remove(slot);
      sendOk(ctx.res, 'Device removed');
    })
    .on('GET', '/devices/:id/login', (ctx) => qrLogin(services, ctx, devices.getOrCreateEphemeral(ctx.params.id ?? '')))
    .on('POST', '/devices/:id/login/code', (ctx) => {
      const slot = devices.getOrCreateEphemeral(ctx.params.id ?? '');
      const code = login.startCode(slot, ctx.query.get('phone') ?? '');
      sendOk(ctx.res, 'Login with code started', { device_id: slot.id, pair_code: code });
    })
    .on('POST', '/devices/:id/logout', async (ctx) => {
      const slot = devices.get(ctx.params.id ?? '');
      await login.logout(slot);
      hub.broadcast('DEVICE_LOGGED_OUT', `Device ${slot.id} logged out (slot kept)`, {
        device_id: slot.id,
        devices: devices.list().map(deviceObject),
      });
      sendOk(ctx.res, 'Logout requested');
    })
    .on('POST', '/devices/:id/reconnect', (ctx) => {
      login.reconnect(devices.get(ctx.params.id ?? ''));
      sendOk(ctx.res, 'Reconnect requested');
    })
    .on('GET', '/devices/:id/status', (ctx) => {
      const slot = devices.get(ctx.params.id ?? '');
      sendOk(ctx.res, 'Device status', { device_id: slot.id, is_connected: slot.connected, is_logged_in: slot.loggedIn });
    })
    .on('GET', '/devices/:id/webhook', (ctx) => {
      const slot = devices.find(ctx.params.id ?? '');
      if (!slot) throw errors.notFound('device not found');
      sendOk(ctx.res, 'Device webhook retrieved', webhookView(slot));
    })
    .on('PATCH', '/devices/:id/webhook', async (ctx) => {
      const slot = devices.find(ctx.params.id ?? '');
      if (!slot) throw errors.notFound('device not found');
      const { fields } = await ctx.deviceBody();
      if (typeof fields.webhook_url !== 'string') throw errors.badRequest('webhook_url is required');
      // Each PATCH sets the whole config: fields left out are cleared.
      devices.saveWebhook(slot, readWebhook(fields, EMPTY_WEBHOOK));
      hub.broadcast('DEVICE_WEBHOOK_CONFIG_UPDATED', `Device ${slot.id} webhook config updated`, { device_id: slot.id });
      sendOk(ctx.res, 'Device webhook updated', webhookView(slot));
    });
}
