/**
 * `/message/{id}/…` (docs/binary-contract.md §7 "Message"): read, reaction, revoke, delete, update, star, unstar, and
 * `GET /message/{id}/download?phone=`. Body `phone` is the chat. Each runs: validation (400) → client /
 * login checks → the action. Results are `{message_id, status}` with `status` also as the message, except
 * delete / star / unstar, which answer a fixed message and no results.
 */
import type { Services } from '../app.js';
import { toJid } from '../core/phone.js';
import type { Slot } from '../core/slot.js';
import type { Ctx } from '../http/context.js';
import { validate } from '../http/errors.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { TypedFields } from '../http/typed-fields.js';

interface Target {
  readonly slot: Slot;
  readonly id: string;
  readonly chatJid: string;
  readonly fields: TypedFields;
}

export function registerMessageRoutes(scoped: Router, services: Services): void {
  const { sender, messageActions: act, config } = services;

  /** Validates `phone` (and `required` extra fields), then checks the client is logged in. */
  const target = async (ctx: Ctx, struct: string, required: readonly string[] = []): Promise<Target> => {
    const fields = new TypedFields(await ctx.body(), struct);
    const id = ctx.params.id ?? '';
    const phone = fields.string('phone');
    validate([
      [id !== '', 'message_id', 'cannot be blank'],
      [phone !== '', 'phone', 'cannot be blank'],
      ...required.map((key) => [fields.string(key) !== '', key, 'cannot be blank'] as const),
    ]);
    sender.assertReady(ctx.slot);
    return { slot: ctx.slot, id, chatJid: toJid(phone), fields };
  };

  scoped
    .on('POST', '/message/:id/read', async (ctx) => {
      const t = await target(ctx, 'MarkAsReadRequest');
      const result = act.markRead(t.slot, t.chatJid, t.id);
      sendOk(ctx.res, result.status, result);
    })
    .on('POST', '/message/:id/reaction', async (ctx) => {
      const t = await target(ctx, 'ReactionRequest');
      const result = act.react(t.slot, t.chatJid, t.id, t.fields.string('emoji'));
      sendOk(ctx.res, result.status, result);
    })
    .on('POST', '/message/:id/revoke', async (ctx) => {
      const t = await target(ctx, 'RevokeRequest');
      const result = act.revoke(t.slot, t.chatJid, t.id);
      sendOk(ctx.res, result.status, result);
    })
    .on('POST', '/message/:id/delete', async (ctx) => {
      const t = await target(ctx, 'DeleteRequest');
      act.deleteForMe(t.slot, t.chatJid, t.id);
      sendOk(ctx.res, 'Message deleted successfully');
    })
    .on('POST', '/message/:id/update', async (ctx) => {
      const t = await target(ctx, 'UpdateMessageRequest', ['message']);
      const result = act.update(t.slot, t.chatJid, t.id, t.fields.string('message'));
      sendOk(ctx.res, result.status, result);
    })
    .on('POST', '/message/:id/star', async (ctx) => {
      const t = await target(ctx, 'StarRequest');
      act.star(t.slot, t.chatJid, t.id, true);
      sendOk(ctx.res, 'Starred message successfully');
    })
    .on('POST', '/message/:id/unstar', async (ctx) => {
      const t = await target(ctx, 'StarRequest');
      act.star(t.slot, t.chatJid, t.id, false);
      sendOk(ctx.res, 'Unstarred message successfully');
    })
    .on('GET', '/message/:id/download', (ctx) => {
      const id = ctx.params.id ?? '';
      const phone = ctx.query.get('phone') ?? '';
      validate([[id !== '', 'message_id', 'cannot be blank'], [phone !== '', 'phone', 'cannot be blank']]);
      sender.assertReady(ctx.slot);
      const result = act.download(ctx.slot, toJid(phone), id);
      // The file is public under {base}/statics, like QR codes; the link is built from the request's Host.
      const staticPath = result.file_path.replace(/^statics\//, '').split('/').map(encodeURIComponent).join('/');
      sendOk(ctx.res, result.status, { ...result, file_url: `http://${ctx.host}${config.basePath}/statics/${staticPath}` });
    });
}
