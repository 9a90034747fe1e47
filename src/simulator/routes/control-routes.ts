/**
 * `/_sim/*`: the control API the real binary does not have, so tests can play the phone and WhatsApp.
 * Same basic auth and envelope as everything else. Process-wide actions (stream-replaced, crash, hang) are
 * registered before the device middleware so they work on a process with any number of slots; the others
 * are device-scoped like the binary's own routes. Message traffic and history hooks are in sim-message-routes.ts.
 */
import type { Services } from '../app.js';
import { GROUP_SERVER, toJid } from '../core/phone.js';
import { fieldNumber, fieldString, fieldStrings } from '../http/body.js';
import { injectedError, validate } from '../http/errors.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';

const GROUP_ACTIONS = ['join', 'leave', 'promote', 'demote'];

export function registerControlRoutes(open: Router, scoped: Router, services: Services): void {
  const { control, login, sender, logger } = services;

  open
    .on('POST', '/_sim/stream-replaced', (ctx) => {
      control.exitAfterResponse(ctx.res, 0, logger.line('warning', 'stream replaced: the session was opened elsewhere, exiting'));
      sendOk(ctx.res, 'Stream replaced, exiting', { exit_code: 0 });
    })
    .on('POST', '/_sim/crash', async (ctx) => {
      const { fields } = await ctx.body();
      const code = fieldNumber(fields, 'exit_code') ?? 2;
      validate([[Number.isInteger(code) && code >= 1 && code <= 255, 'exit_code', 'must be an integer between 1 and 255']]);
      // Exit code 2 is what a Go panic gives; other codes look like a logrus fatal.
      const last = code === 2
        ? 'panic: simulated crash (POST /_sim/crash)\n\ngoroutine 1 [running]:\nmain.main()\n'
        : logger.line('fatal', `simulated crash (exit code ${code})`);
      control.exitAfterResponse(ctx.res, code, last);
      sendOk(ctx.res, `Crashing with exit code ${code}`, { exit_code: code });
    })
    .on('POST', '/_sim/hang', (ctx) => {
      ctx.res.on('finish', () => {
        control.hung = true;
      });
      sendOk(ctx.res, 'Hanging: no further request will be answered');
    });

  scoped
    .on('POST', '/_sim/pair', async (ctx) => {
      const { fields } = await ctx.body();
      const jid = await login.pair(ctx.slot, fieldString(fields, 'jid'), fieldString(fields, 'push_name') || 'WhatsApp Sim');
      sendOk(ctx.res, 'Device paired', { device_id: ctx.slot.id, jid });
    })
    .on('POST', '/_sim/unlink', async (ctx) => {
      sender.assertReady(ctx.slot);
      await login.unlink(ctx.slot);
      sendOk(ctx.res, 'Device unlinked', { device_id: ctx.slot.id });
    })
    .on('POST', '/_sim/group', async (ctx) => {
      const { fields } = await ctx.body();
      const chatId = fieldString(fields, 'chat_id');
      const type = fieldString(fields, 'type');
      const jids = fieldStrings(fields, 'jids').map(toJid);
      validate([
        [chatId !== '', 'chat_id', 'cannot be blank'],
        [GROUP_ACTIONS.includes(type), 'type', `must be one of ${GROUP_ACTIONS.join(', ')}`],
        [jids.length > 0, 'jids', 'cannot be blank'],
      ]);
      sender.assertReady(ctx.slot);
      const groupJid = chatId.includes('@') ? chatId : `${chatId}@${GROUP_SERVER}`;
      services.webhooks.emit(ctx.slot, 'group.participants', { chat_id: groupJid, type, jids });
      sendOk(ctx.res, 'Group participants event sent', { chat_id: groupJid, type, jids });
    })
    .on('POST', '/_sim/fail-next', async (ctx) => {
      const { fields } = await ctx.body();
      const count = fieldNumber(fields, 'count');
      const status = fieldNumber(fields, 'status');
      const delayMs = fieldNumber(fields, 'delay_ms') ?? 0;
      validate([
        [count !== undefined && Number.isInteger(count) && count >= 0, 'count', 'must be an integer of at least 0'],
        [status === undefined || (Number.isInteger(status) && status >= 400 && status <= 599), 'status', 'must be between 400 and 599'],
        [Number.isFinite(delayMs) && delayMs >= 0, 'delay_ms', 'must be at least 0'],
      ]);
      // count 0 clears every queued rule of the slot.
      if (count === 0) services.faults.clear(ctx.slot.id);
      const error = status === undefined ? undefined
        : injectedError(status, fieldString(fields, 'code') || undefined, fieldString(fields, 'message') || undefined);
      const pending = count ? services.faults.add(ctx.slot.id, { remaining: count, delayMs, error }) : 0;
      sendOk(ctx.res, 'Failure injection queued', { pending });
    })
    // A test knows a stalled send has reached the child (and taken its rule) when this drops.
    .on('GET', '/_sim/fail-next', (ctx) => sendOk(ctx.res, 'Failure injections queued', { pending: services.faults.pending(ctx.slot.id) }))
    .on('GET', '/_sim/sent', (ctx) => sendOk(ctx.res, 'Sent messages', { sent: services.sent.list(ctx.slot.id) }));
}
