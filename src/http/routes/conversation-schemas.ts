import { z } from 'zod';
import { parseChatCursor, parseKeyCursor } from '../../conversations/cursor.js';
import type { ConversationView, MessageView } from '../../conversations/views.js';
import type { SyncProgress } from '../../events/feed-message.js';
import { MAX_QUERY_LENGTH } from '../../domain/fts-query.js';
import { CHAT_ID_RULE, normalizeJid } from '../../domain/jid.js';
import { parsePhoneNumber, PHONE_RULE } from '../../domain/phone.js';
import { phoneNumber } from '../schemas.js';

export const STORED_TYPES = ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contact', 'poll', 'revoked', 'other'] as const;
const STATUSES = ['received', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'expired'] as const;
const iso = z.string().nullable();

export const storedMessageSchema = z
  .object({
    id: z.string().meta({ description: 'Store id; for a message sent through POST /api/messages/*, the id that call answered' }),
    waId: z.string().nullable(),
    phoneNumber: z.string(),
    chatId: z.string(),
    chatJid: z.string().meta({ description: 'The JID the message came under (an @lid for a merged chat)' }),
    chatType: z.enum(['direct', 'group']),
    direction: z.enum(['in', 'out']),
    fromMe: z.boolean(),
    sender: z.object({ jid: z.string().nullable(), lid: z.string().nullable(), name: z.string().nullable() }).nullable(),
    type: z.enum(STORED_TYPES),
    text: z.string().nullable(),
    media: z
      .object({ kind: z.string(), mime: z.string().nullable(), size: z.number().nullable(), fileName: z.string().nullable(), url: z.string() })
      .nullable()
      .meta({ description: 'Metadata only; `url` streams the file (GET /api/messages/{id}/media)' }),
    content: z.record(z.string(), z.unknown()).meta({ description: 'location, contacts, poll (with votes), quoted, forwarded, viewOnce, videoNote, originalText (edited)' }),
    reactions: z.array(z.object({ emoji: z.string(), sender: z.string(), at: z.string() })),
    status: z.enum(STATUSES),
    error: z.string().nullable(),
    deleted: z.enum(['everyone', 'me']).nullable(),
    timestamp: z.string(),
    sentAt: iso,
    deliveredAt: iso,
    readAt: iso,
    editedAt: iso,
    deletedAt: iso,
    source: z.enum(['live', 'backfill', 'api', 'proxy']),
  })
  .meta({ id: 'StoredMessage' });

export const conversationSchema = z
  .object({
    id: z.string().meta({ description: 'The chat id for URLs: its JID' }),
    phoneNumber: z.string(),
    jid: z.string(),
    altJid: z.string().nullable().meta({ description: 'The @lid alias of a person also known by phone JID' }),
    type: z.enum(['direct', 'group']),
    name: z.string().nullable(),
    unread: z.number(),
    archived: z.boolean(),
    pinned: z.boolean(),
    lastActivityAt: iso,
    lastMessage: z
      .object({
        id: z.string(),
        waId: z.string().nullable(),
        direction: z.enum(['in', 'out']),
        type: z.enum(STORED_TYPES),
        preview: z.string(),
        status: z.enum(STATUSES),
        senderName: z.string().nullable(),
        timestamp: z.string(),
      })
      .nullable(),
  })
  .meta({ id: 'Conversation' });

// The views the store builds must fit the documented schemas (checked by the compiler).
export const viewsFitSchemas: [z.input<typeof storedMessageSchema>, z.input<typeof conversationSchema>] = [null as unknown as MessageView, null as unknown as ConversationView];

export const asOfSchema = z
  .record(z.string(), z.number())
  .meta({ description: 'Per number, the journal seq this answer is current to: Socket.IO `join {room: "device-<phone>", since}` from there misses nothing' });

export const chatPageSchema = z.object({
  data: z.array(conversationSchema),
  page: z.object({
    before: z.string().nullable().meta({ description: 'Cursor for the next page (older activity): pass as `before`' }),
    after: z.string().nullable().meta({ description: 'Cursor for chats active since this page: pass as `after`' }),
    hasBefore: z.boolean(),
  }),
  asOf: asOfSchema,
});

export const syncSchema = z
  .object({
    state: z.enum(['none', 'queued', 'running', 'done', 'failed']),
    chatsTotal: z.number().nullable(),
    chatsDone: z.number(),
    messagesSeen: z.number(),
    messagesAdded: z.number(),
    since: iso,
    startedAt: iso,
    finishedAt: iso,
    error: iso,
  })
  .meta({ id: 'HistorySync' });

export function syncView(progress: SyncProgress | null): z.input<typeof syncSchema> {
  return progress ?? { state: 'none', chatsTotal: null, chatsDone: 0, messagesSeen: 0, messagesAdded: 0, since: null, startedAt: null, finishedAt: null, error: null };
}

export const limit = (def: number, max: number) =>
  z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`).default(def);

export const messageCursor = z.string().transform((value, ctx) => {
  const key = parseKeyCursor('messages', value);
  if (key === null) {
    ctx.addIssue({ code: 'custom', message: 'is not a cursor of a messages page (use page.before / page.after as given)' });
    return z.NEVER;
  }
  return key;
});

export const searchCursor = z.string().transform((value, ctx) => {
  const key = parseKeyCursor('search', value);
  if (key === null) {
    ctx.addIssue({ code: 'custom', message: 'is not a cursor of a search page (use page.before as given)' });
    return z.NEVER;
  }
  return key;
});

export const chatListCursor = z.string().transform((value, ctx) => {
  const position = parseChatCursor(value);
  if (!position) {
    ctx.addIssue({ code: 'custom', message: 'is not a cursor of a chat list (use page.before / page.after as given)' });
    return z.NEVER;
  }
  return position;
});

export const time = z.string().transform((value, ctx) => {
  const ms = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time, e.g. 2026-08-22T10:00:00Z' });
    return z.NEVER;
  }
  return ms;
});

export const typeList = z.string().transform((value, ctx) => {
  const types = value.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = types.filter((t) => !(STORED_TYPES as readonly string[]).includes(t));
  if (bad.length > 0 || types.length === 0) {
    ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${STORED_TYPES.join(', ')}` });
    return z.NEVER;
  }
  return types as (typeof STORED_TYPES)[number][];
});

export const numberList = z.string().transform((value, ctx) => {
  const items = value.split(',').map((p) => p.trim()).filter(Boolean);
  const parsed = items.map((p) => parsePhoneNumber(p));
  if (items.length === 0 || items.length > 500 || parsed.some((p) => p === null)) {
    ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of phone numbers (${PHONE_RULE})` });
    return z.NEVER;
  }
  return parsed as string[];
});

export const chatId = z
  .string()
  .max(100)
  .refine((value) => normalizeJid(value) !== null, `must be ${CHAT_ID_RULE}`)
  .meta({ description: `Chat: ${CHAT_ID_RULE}`, examples: ['5511888888888@s.whatsapp.net'] });

export const chatParams = z.object({ phone: phoneNumber, chatId });

export const searchText = z
  .string({ error: 'is required' })
  .min(1, 'must not be empty')
  .max(MAX_QUERY_LENGTH, `is longer than ${MAX_QUERY_LENGTH} characters`)
  .meta({ description: 'Words, "exact phrases", prefix*, AND / OR / NOT, (groups), NEAR(a b, 5)' });

export const merge = z.boolean().default(true).meta({ description: 'false: a person known by phone JID and by @lid shows as two chats' });
