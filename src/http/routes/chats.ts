import { Router } from 'express';
import { z } from 'zod';
import type { Principal } from '../../auth/principal.js';
import type { Conversations } from '../../conversations/conversations.js';
import { ValidationError } from '../../domain/errors.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentPrincipal } from '../auth-middleware.js';
import { errorSchema, phoneParams } from '../schemas.js';
import {
  asOfSchema,
  chatListCursor,
  chatPageSchema,
  chatParams,
  conversationSchema,
  limit,
  merge,
  messageCursor,
  storedMessageSchema,
  syncSchema,
  syncView,
  time,
  typeList,
} from './conversation-schemas.js';

const notFound = { 404: { description: 'Unknown number or chat (or not yours)', schema: errorSchema } };
const invalid = { 400: { description: 'Bad chat id, cursor, limit or filter (with the field)', schema: errorSchema } };

export const chatListQuery = z.object({
  limit: limit(50, 200),
  before: chatListCursor.optional(),
  after: chatListCursor.optional(),
  unread: z.boolean().optional(),
  archived: z.boolean().optional(),
  type: z.enum(['direct', 'group']).optional(),
  q: z.string().min(1).max(100).optional(),
  merge,
});

export const messagePageQuery = z.object({
  limit: limit(50, 200),
  before: messageCursor.optional(),
  after: messageCursor.optional(),
  around: z.string().min(1).max(100).optional().meta({ description: 'A message id: the page centred on it' }),
  direction: z.enum(['in', 'out']).optional(),
  type: typeList.optional().meta({ description: 'Comma-separated message types' }),
  hasMedia: z.boolean().optional(),
  from: time.optional(),
  to: time.optional(),
  merge,
});

export const messagePageSchema = z.object({
  data: z.array(storedMessageSchema),
  chat: conversationSchema,
  page: z.object({
    before: z.string().nullable().meta({ description: 'Pass as `before` for older messages' }),
    after: z.string().nullable().meta({ description: 'Pass as `after` for newer ones (also to poll)' }),
    hasBefore: z.boolean(),
    hasAfter: z.boolean(),
  }),
  asOf: asOfSchema,
});

/** A number's chats page (`GET …/chats`), for every route that lists them. */
export async function chatsPage(service: Conversations['service'], principal: Principal, phone: string, query: z.output<typeof chatListQuery>): ReturnType<Conversations['service']['chats']> {
  oneOf(query, ['before', 'after']);
  return service.chats(principal, phone, { ...query, search: query.q });
}

/** A chat's messages page (`GET …/chats/{chatId}/messages`), for every route that pages them. */
export async function messagesPage(service: Conversations['service'], principal: Principal, phone: string, chatId: string, query: z.output<typeof messagePageQuery>): ReturnType<Conversations['service']['messages']> {
  oneOf(query, ['before', 'after', 'around']);
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) throw new ValidationError([{ field: 'from', message: 'must not be after to' }]);
  return service.messages(principal, phone, chatId, { ...query, types: query.type });
}

/** Only one of the keyset starts may be given. */
function oneOf(query: Record<string, unknown>, names: readonly string[]): void {
  const given = names.filter((n) => query[n] !== undefined);
  if (given.length > 1) throw new ValidationError(given.map((field) => ({ field, message: `give only one of ${names.join(', ')}` })));
}

/** A number's chats and their messages, from the conversation store (also while the number's process is stopped). */
export function chatRoutes(api: ApiRegistry, conversations: Conversations): Router {
  const router = Router();
  const { service, readState, sync } = conversations;

  // Before /chats/:chatId, which would take "sync" for a chat id.
  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/chats/sync',
      summary: "Progress of the number's history backfill (state none | queued | running | done | failed)",
      tag: 'conversations',
      permission: { scope: 'messages:read', number: 'path' },
      params: phoneParams,
      responses: { 200: { description: 'Backfill progress', schema: syncSchema }, ...notFound },
    },
    async ({ params }, req, res) => {
      const phone = service.number(currentPrincipal(req), params.phone);
      res.json(syncView(await sync.status(phone)));
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/devices/:phone/chats/sync',
      summary: "Backfill the store from the number's own chat history (HISTORY_SYNC_DAYS back, or `days`); runs in the background, idempotent",
      tag: 'conversations',
      permission: { scope: 'numbers:control', number: 'path' },
      audit: 'chat.sync',
      params: phoneParams,
      body: z.strictObject({ days: z.number().int().min(1).max(3650).optional() }).optional(),
      responses: { 202: { description: 'Queued (or the sync already under way)', schema: syncSchema }, ...invalid, ...notFound },
    },
    ({ params, body }, req, res) => {
      const phone = service.number(currentPrincipal(req), params.phone, 'numbers:control');
      res.status(202).json(syncView(sync.request(phone, body?.days)));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/chats',
      summary: "The number's chats, newest activity first (keyset cursors; filters unread, archived, type, q = name or JID)",
      tag: 'conversations',
      permission: { scope: 'messages:read', number: 'path' },
      params: phoneParams,
      query: chatListQuery,
      responses: { 200: { description: 'A page of chats', schema: chatPageSchema }, ...invalid, ...notFound },
    },
    async ({ params, query }, req, res) => {
      res.json(await chatsPage(service, currentPrincipal(req), params.phone, query));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/chats/:chatId',
      summary: 'One chat (its JID, or the @lid alias of a merged chat)',
      tag: 'conversations',
      permission: { scope: 'messages:read', number: 'path' },
      params: chatParams,
      query: z.object({ merge }),
      responses: { 200: { description: 'The chat', schema: conversationSchema.extend({ asOf: asOfSchema }) }, ...invalid, ...notFound },
    },
    async ({ params, query }, req, res) => {
      res.json(await service.chat(currentPrincipal(req), params.phone, params.chatId, query.merge));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/devices/:phone/chats/:chatId/messages',
      summary: 'Messages of a chat, newest first: keyset cursors (before / after / around=<message id>), filters direction, type, hasMedia, from, to',
      tag: 'conversations',
      permission: { scope: 'messages:read', number: 'path' },
      params: chatParams,
      query: messagePageQuery,
      responses: {
        200: {
          description: 'A page of messages',
          schema: messagePageSchema,
        },
        ...invalid,
        ...notFound,
      },
    },
    async ({ params, query }, req, res) => {
      res.json(await messagesPage(service, currentPrincipal(req), params.phone, params.chatId, query));
    },
  );

  api.route(
    router,
    {
      method: 'post',
      path: '/api/devices/:phone/chats/:chatId/read',
      summary: 'Mark the chat read: unread goes to 0 in the store (a chat.read event), and WhatsApp gets read receipts through the child',
      tag: 'conversations',
      permission: { scope: 'messages:send', number: 'path' },
      audit: 'chat.mark_read',
      params: chatParams,
      responses: {
        200: {
          description: 'The chat, and what WhatsApp was told',
          schema: z.object({ chat: conversationSchema, whatsapp: z.object({ receipts: z.number(), sent: z.number(), error: z.string().nullable() }) }),
        },
        ...invalid,
        ...notFound,
      },
    },
    async ({ params }, req, res) => {
      res.json(await readState.markRead(currentPrincipal(req), params.phone, params.chatId));
    },
  );

  return router;
}
