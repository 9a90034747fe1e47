import { Router } from 'express';
import { z } from 'zod';
import type { Conversations } from '../../conversations/conversations.js';
import { ValidationError } from '../../domain/errors.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentPrincipal } from '../auth-middleware.js';
import { errorSchema } from '../schemas.js';
import { chatListQuery } from './chats.js';
import {
  asOfSchema,
  chatPageSchema,
  limit,
  numberList,
  searchCursor,
  searchText,
  storedMessageSchema,
  time,
  typeList,
  chatId,
} from './conversation-schemas.js';

const invalid = { 400: { description: 'Bad query, cursor, limit or filter (with the field)', schema: errorSchema } };

/** Across every number the caller may see: the unified inbox and full-text search. */
export function inboxRoutes(api: ApiRegistry, conversations: Conversations): Router {
  const router = Router();
  const { service } = conversations;

  api.route(
    router,
    {
      method: 'get',
      path: '/api/inbox',
      summary: "The chats of every number you may see, newest activity first (numbers=a,b narrows it; unread, archived, type, q)",
      tag: 'conversations',
      permission: { scope: 'messages:read' },
      query: chatListQuery.omit({ merge: true }).extend({
        numbers: numberList.optional().meta({ description: 'Comma-separated numbers (others you may not see are left out)' }),
      }),
      responses: { 200: { description: 'A page of chats, each with its phoneNumber', schema: chatPageSchema }, ...invalid },
    },
    async ({ query }, req, res) => {
      if (query.before && query.after) throw new ValidationError([{ field: 'after', message: 'give only one of before, after' }]);
      res.json(await service.inbox(currentPrincipal(req), { ...query, search: query.q }));
    },
  );

  const counts = z.object({ chats: z.number().meta({ description: 'Chats with unread messages' }), messages: z.number().meta({ description: 'Unread messages in them' }) });
  api.route(
    router,
    {
      method: 'get',
      path: '/api/inbox/unread',
      summary: 'Unread chats and messages per number you may see (numbers=a,b narrows it), and in total',
      tag: 'conversations',
      permission: { scope: 'messages:read' },
      query: z.object({ numbers: numberList.optional().meta({ description: 'Comma-separated numbers (others you may not see are left out)' }) }),
      responses: {
        200: {
          description: 'Every number asked for, zeros included',
          schema: z.object({ numbers: z.array(counts.extend({ phoneNumber: z.string() })), total: counts, asOf: asOfSchema }),
        },
        ...invalid,
      },
    },
    async ({ query }, req, res) => {
      res.json(await service.unread(currentPrincipal(req), query.numbers));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/search/messages',
      summary: 'Full-text search (SQLite FTS5) over texts, captions and file names of every number you may see, newest first, with highlighted snippets',
      tag: 'conversations',
      permission: { scope: 'messages:read' },
      query: z.object({
        q: searchText,
        numbers: numberList.optional(),
        chatId: chatId.optional(),
        type: typeList.optional(),
        direction: z.enum(['in', 'out']).optional(),
        from: time.optional(),
        to: time.optional(),
        limit: limit(20, 100),
        before: searchCursor.optional(),
      }),
      responses: {
        200: {
          description: 'Matching messages',
          schema: z.object({
            data: z.array(
              z.object({
                message: storedMessageSchema,
                chat: z.object({ id: z.string(), phoneNumber: z.string(), name: z.string().nullable(), type: z.enum(['direct', 'group']) }),
                snippet: z.string().meta({ description: 'HTML-safe excerpt, matches in <mark>…</mark>' }),
                snippetText: z.string(),
              }),
            ),
            page: z.object({ before: z.string().nullable(), hasMore: z.boolean() }),
            asOf: asOfSchema,
          }),
        },
        ...invalid,
      },
    },
    async ({ query }, req, res) => {
      res.json(await service.search(currentPrincipal(req), { ...query, types: query.type }));
    },
  );

  return router;
}
