/**
 * Control hooks for message traffic and history (stand-in only, device-scoped, same auth and envelope):
 * `/_sim/incoming` (WhatsApp or the phone delivers messages of every kind), `/_sim/seed-history` (history
 * written straight into chat storage), `/_sim/actions` (what this number did on WhatsApp: read, star,
 * archive, typing…) and `/_sim/expire-media` (WhatsApp no longer has a message's media).
 */
import type { Services } from '../app.js';
import { fieldNumber, fieldString } from '../http/body.js';
import { errors, validate } from '../http/errors.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { ACTION_KINDS, type ActionKind } from '../store/action-repo.js';
import { readIncoming } from './incoming-request.js';

const DAY_MS = 86_400_000;
const MAX_SEEDED = 200_000;

export function registerSimMessageRoutes(scoped: Router, services: Services): void {
  const { sender } = services;

  scoped
    .on('POST', '/_sim/incoming', async (ctx) => {
      const { fields } = await ctx.body();
      const request = readIncoming(ctx.slot, fields);
      sender.assertReady(ctx.slot);
      // Decrypting advances the Signal session: when the store refuses that write, whatsmeow drops the message
      // (no event, no webhook) and the phone's retry receipt asks for it again later.
      await services.sessions.record('message-received', ctx.slot.adJid, { from: request.sender.jid, count: request.count }).catch((err: unknown) => {
        services.logger.error(`failed to decrypt message for ${ctx.slot.id}: ${(err as Error).message}`);
        throw errors.store('failed to decrypt message', err);
      });
      const ids = services.incoming.deliver(ctx.slot, request);
      sendOk(ctx.res, 'Incoming messages delivered', { ids });
    })
    .on('POST', '/_sim/seed-history', async (ctx) => {
      const { fields } = await ctx.body();
      const ratio = (key: string, fallback: number): number => fieldNumber(fields, key) ?? fallback;
      const chats = fieldNumber(fields, 'chats') ?? 10;
      const perChat = fieldNumber(fields, 'messages_per_chat') ?? 20;
      const endText = fieldString(fields, 'end');
      const endMs = endText === '' ? Date.now() : Date.parse(endText);
      const startText = fieldString(fields, 'start');
      const startMs = startText === '' ? endMs - 30 * DAY_MS : Date.parse(startText);
      const request = {
        chats, messagesPerChat: perChat, startMs, endMs, seed: fieldNumber(fields, 'seed') ?? 0,
        mediaRatio: ratio('media_ratio', 0.1), groupRatio: ratio('group_ratio', 0.2), lidRatio: ratio('lid_ratio', 0.1), fromMeRatio: ratio('from_me_ratio', 0.3),
      };
      const isRatio = (value: number): boolean => Number.isFinite(value) && value >= 0 && value <= 1;
      validate([
        [Number.isInteger(chats) && chats >= 1 && chats <= 10_000, 'chats', 'must be between 1 and 10000'],
        [Number.isInteger(perChat) && perChat >= 1 && perChat <= 10_000, 'messages_per_chat', 'must be between 1 and 10000'],
        [chats * perChat <= MAX_SEEDED, 'messages_per_chat', `chats × messages_per_chat must be at most ${MAX_SEEDED}`],
        [Number.isFinite(startMs), 'start', 'must be an RFC 3339 time'],
        [Number.isFinite(endMs), 'end', 'must be an RFC 3339 time'],
        [!(endMs - startMs < perChat), 'start', 'must be at least messages_per_chat milliseconds before end'],
        [Number.isInteger(request.seed) && request.seed >= 0 && request.seed <= 999, 'seed', 'must be an integer between 0 and 999'],
        [isRatio(request.mediaRatio), 'media_ratio', 'must be between 0 and 1'],
        [isRatio(request.groupRatio), 'group_ratio', 'must be between 0 and 1'],
        [isRatio(request.lidRatio) && request.groupRatio + request.lidRatio <= 1, 'lid_ratio', 'must be between 0 and 1 - group_ratio'],
        [isRatio(request.fromMeRatio), 'from_me_ratio', 'must be between 0 and 1'],
      ]);
      sender.assertReady(ctx.slot);
      const result = services.seeder.seed(ctx.slot, request);
      sendOk(ctx.res, 'History seeded', { ...result, start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() });
    })
    .on('GET', '/_sim/actions', (ctx) => {
      const kind = ctx.query.get('kind') ?? '';
      validate([[kind === '' || (ACTION_KINDS as readonly string[]).includes(kind), 'kind', `must be one of ${ACTION_KINDS.join(', ')}`]]);
      sendOk(ctx.res, 'Actions', { actions: services.actions.list(ctx.slot.id, kind === '' ? undefined : (kind as ActionKind)) });
    })
    .on('POST', '/_sim/expire-media', async (ctx) => {
      const { fields } = await ctx.body();
      const id = fieldString(fields, 'message_id');
      validate([[id !== '', 'message_id', 'cannot be blank']]);
      if (services.messages.clearBlob(ctx.slot.id, id) === 0) throw errors.notFound(`message ${id} is not in chat storage`);
      sendOk(ctx.res, 'Media expired', { message_id: id });
    });
}
