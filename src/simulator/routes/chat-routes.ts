/**
 * The chat storage routes (docs/binary-contract.md §7 "Chat"): `GET /chats`, `GET /chat/{jid}/messages` (read from
 * chatstorage.db, no WhatsApp connection needed), `POST /chat/{jid}/archive` and `/pin` (sent to WhatsApp,
 * so they need a logged-in client). Paging and validation follow the binary's chat handlers: `limit`
 * defaults to 25 / 50 and may be 1–100, `offset` ≥ 0, a query value that is not a number is ignored.
 */
import type { Services } from '../app.js';
import { toJid } from '../core/phone.js';
import type { Ctx } from '../http/context.js';
import { errors, validate } from '../http/errors.js';
import { sendOk } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { TypedFields } from '../http/typed-fields.js';
import { rfc3339 } from '../lib/go-time.js';
import type { ChatRow } from '../store/chat-repo.js';
import type { MessageRow, ReactionRow } from '../store/message-repo.js';

const iso = (ms: number): string => rfc3339(new Date(ms));
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

export function chatView(row: ChatRow): Record<string, unknown> {
  return {
    jid: row.jid,
    name: row.name,
    last_message_time: iso(row.last_message_ms),
    ephemeral_expiration: row.ephemeral_expiration,
    created_at: iso(row.created_ms),
    updated_at: iso(row.updated_ms),
    archived: row.archived === 1,
  };
}

function messageView(row: MessageRow, reactions: readonly ReactionRow[] | undefined): Record<string, unknown> {
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
    reactions: reactions?.map((r) => ({ emoji: r.emoji, sender_jid: r.sender_jid, is_from_me: r.is_from_me === 1, timestamp: iso(r.timestamp_ms) })),
  };
}

/** Fiber `QueryInt`: the value when it is an integer, else the default. */
function queryInt(ctx: Ctx, key: string, fallback: number): number {
  const value = ctx.query.get(key) ?? '';
  return /^[-+]?\d+$/.test(value) ? Number(value) : fallback;
}

/** Fiber `QueryBool` (strconv.ParseBool); undefined when absent or unparsable. */
function queryBool(ctx: Ctx, key: string): boolean | undefined {
  const value = ctx.query.get(key) ?? '';
  if (/^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  return undefined;
}

function paging(ctx: Ctx, fallback: number): { limit: number; offset: number } {
  const limit = queryInt(ctx, 'limit', fallback) || fallback;
  const offset = queryInt(ctx, 'offset', 0);
  validate([
    [limit >= 1, 'limit', 'must be no less than 1'],
    [limit <= 100, 'limit', 'must be no greater than 100'],
    [offset >= 0, 'offset', 'must be no less than 0'],
  ]);
  return { limit, offset };
}

/** RFC 3339 times, parsed as strictly as Go's `time.Parse(time.RFC3339, …)`; a bad one is a plain error (500). */
function queryTime(ctx: Ctx, key: string): number | undefined {
  const value = ctx.query.get(key) ?? '';
  if (value === '') return undefined;
  const ms = RFC3339.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw errors.internal(`invalid ${key} format: parsing time "${value}" as "2006-01-02T15:04:05Z07:00"`);
  return ms;
}

/** The path's chat JID, percent-decoded; the storage lookup uses it as given (`628…` alone is no chat). */
function chatParam(ctx: Ctx): string {
  const raw = (ctx.params.jid ?? '').trim();
  if (raw === '' || raw.split('@').length > 2) throw errors.badRequest('invalid chat JID');
  return raw;
}

export function registerChatRoutes(scoped: Router, services: Services): void {
  const { chats, messages, sender, actions } = services;

  scoped
    .on('GET', '/chats', (ctx) => {
      const { limit, offset } = paging(ctx, 25);
      const { rows, total } = chats.list(ctx.slot.id, {
        limit, offset, search: ctx.query.get('search') ?? '', hasMedia: queryBool(ctx, 'has_media') ?? false, archived: queryBool(ctx, 'archived'),
      });
      sendOk(ctx.res, 'Success get chat list', { data: rows.map(chatView), pagination: { limit, offset, total } });
    })
    .on('GET', '/chat/:jid/messages', (ctx) => {
      const jid = chatParam(ctx);
      const { limit, offset } = paging(ctx, 50);
      const query = {
        limit, offset, search: ctx.query.get('search') ?? '', startMs: queryTime(ctx, 'start_time'), endMs: queryTime(ctx, 'end_time'),
        mediaOnly: queryBool(ctx, 'media_only') ?? false, isFromMe: queryBool(ctx, 'is_from_me'),
      };
      const chat = chats.get(ctx.slot.id, jid);
      if (!chat) throw errors.internal(`chat with JID ${jid} not found`);
      const rows = messages.messages(ctx.slot.id, jid, query);
      const reactions = messages.reactions(ctx.slot.id, jid, rows.map((row) => row.id));
      sendOk(ctx.res, 'Success get chat messages', {
        data: rows.map((row) => messageView(row, reactions.get(row.id))),
        pagination: { limit, offset, total: messages.count(ctx.slot.id, jid) },
        chat_info: chatView(chat),
      });
    });

  const done = { archive: 'archived', unarchive: 'unarchived', pin: 'pinned', unpin: 'unpinned' } as const;
  for (const [flag, on, off] of [['archived', 'archive', 'unarchive'], ['pinned', 'pin', 'unpin']] as const) {
    scoped.on('POST', `/chat/:jid/${on}`, async (ctx) => {
      const raw = ctx.params.jid ?? '';
      const value = new TypedFields(await ctx.deviceBody(), 'Request', 'bad-request').bool(flag);
      // Sent to WhatsApp: a bare number is a phone number, as in the send routes.
      const jid = toJid(chatParam(ctx));
      sender.assertReady(ctx.slot);
      chats.setFlag(ctx.slot.id, jid, flag, value);
      const action = value ? on : off;
      actions.add(ctx.slot.id, action, jid, '');
      const message = `Chat ${done[action]} successfully`;
      sendOk(ctx.res, message, { status: 'success', message, chat_jid: raw, [flag]: value });
    });
  }
}
