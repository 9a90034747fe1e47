/** `/user/check`, `/user/info`, `/chats`, `/chat/{jid}/messages` (docs/binary-contract.md §7). */
import type { Services } from '../app.js';
import { isOnWhatsApp, toJid } from '../core/phone.js';
import { errors, validate } from '../http/errors.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';
import type { Ctx } from '../http/context.js';
import { rfc3339 } from '../lib/go-time.js';
import type { ChatRow, MessageRow } from '../store/message-repo.js';

const iso = (ms: number): string => rfc3339(new Date(ms));

function chatView(row: ChatRow): Record<string, unknown> {
  return {
    jid: row.jid,
    name: row.name,
    last_message_time: iso(row.last_message_ms),
    ephemeral_expiration: 0,
    created_at: iso(row.created_ms),
    updated_at: iso(row.updated_ms),
    archived: row.archived === 1,
  };
}

function messageView(row: MessageRow): Record<string, unknown> {
  return {
    id: row.id,
    chat_jid: row.chat_jid,
    sender_jid: row.sender_jid,
    sender_display_name: row.sender_display_name,
    content: row.content,
    timestamp: iso(row.timestamp_ms),
    is_from_me: row.is_from_me === 1,
    media_type: row.media_type,
    filename: row.filename,
    url: row.url,
    file_length: row.file_length,
    created_at: iso(row.created_ms),
    updated_at: iso(row.updated_ms),
  };
}

/** Paging as the binary's chat routes read it: `limit` (default `fallback`, at most 100) and `offset`. */
function paging(ctx: Ctx, fallback: number): { limit: number; offset: number } {
  const limit = Number(ctx.query.get('limit') ?? fallback);
  const offset = Number(ctx.query.get('offset') ?? 0);
  return {
    limit: Number.isInteger(limit) && limit > 0 ? Math.min(limit, 100) : fallback,
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

function optionalBool(value: string | null): boolean | undefined {
  return value === null || value === '' ? undefined : value === 'true' || value === '1';
}

function optionalTime(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw errors.badRequest(`invalid time: ${value}`);
  return ms;
}

export function registerReadRoutes(scoped: Router, services: Services): void {
  const { sender, messages } = services;

  /** The user routes ask WhatsApp, so they need a logged-in client like the sends do. */
  const userJid = (ctx: Ctx): string => {
    const phone = ctx.query.get('phone') ?? '';
    validate([[phone !== '', 'phone', 'cannot be blank']]);
    sender.assertReady(ctx.slot);
    return toJid(phone);
  };

  scoped
    .on('GET', '/user/check', (ctx) => {
      sendOk(ctx.res, 'Success check user', { is_on_whatsapp: isOnWhatsApp(userJid(ctx)) });
    })
    .on('GET', '/user/info', (ctx) => {
      const jid = userJid(ctx);
      const user = jid.split('@')[0] ?? '';
      const data = isOnWhatsApp(jid)
        ? [{ name: '', verified_name: '', status: 'Hey there! I am using WhatsApp.', picture_id: '',
            devices: [{ User: user, Agent: 0, Device: 'UNKNOWN', Server: 's.whatsapp.net', AD: true }] }]
        : null;
      sendOk(ctx.res, 'Success get user info', { data });
    })
    .on('GET', '/chats', (ctx) => {
      const { limit, offset } = paging(ctx, 25);
      const { rows, total } = messages.chats(ctx.slot.id, {
        limit, offset, search: ctx.query.get('search') ?? '',
        hasMedia: optionalBool(ctx.query.get('has_media')) ?? false,
        archived: optionalBool(ctx.query.get('archived')),
      });
      sendOk(ctx.res, 'Success get chat list', { data: rows.map(chatView), pagination: { limit, offset, total } });
    })
    .on('GET', '/chat/:jid/messages', (ctx) => {
      const raw = (ctx.params.jid ?? '').trim();
      if (raw === '' || raw.split('@').length > 2) throw errors.badRequest('invalid chat JID');
      const jid = toJid(raw);
      const { limit, offset } = paging(ctx, 50);
      const { rows, total } = messages.messages(ctx.slot.id, jid, {
        limit, offset, search: ctx.query.get('search') ?? '',
        startMs: optionalTime(ctx.query.get('start_time')),
        endMs: optionalTime(ctx.query.get('end_time')),
        mediaOnly: optionalBool(ctx.query.get('media_only')) ?? false,
        isFromMe: optionalBool(ctx.query.get('is_from_me')),
      });
      const chat = messages.chat(ctx.slot.id, jid);
      sendOk(ctx.res, 'Success get chat messages', {
        data: rows.map(messageView),
        pagination: { limit, offset, total },
        chat_info: chat ? chatView(chat) : null,
      });
    });
}
