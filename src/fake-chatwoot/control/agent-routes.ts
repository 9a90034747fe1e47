/**
 * FC-23: the only ways outgoing traffic starts. An agent (a seeded user) replies (text, attachments,
 * private note, template), deletes or retries a message, changes the status, or types, in a conversation
 * addressed by account id and display id. Each answer comes once every resulting delivery was attempted,
 * and lists them.
 */
import { z } from 'zod';
import type { Conversation, JsonObject, User } from '../domain/records.js';
import { Tx } from '../events/domain-event.js';
import { json } from '../http/reply.js';
import type { Principal } from '../services/access.js';
import { MAX_ATTACHMENTS } from '../services/messages.js';
import { conversationJson } from '../views/conversation-view.js';
import { messageJson } from '../views/message-view.js';
import { commit, type ControlDeps } from './control-deps.js';
import { ControlError, pathInt, read, type ControlCtx, type ControlRoute } from './control-route.js';

const messageSchema = z.object({
  content: z.string().nullable().optional(),
  private: z.boolean().optional(),
  message_type: z.enum(['outgoing', 'template']).optional(),
  user_id: z.number().int().positive().optional(),
  content_attributes: z.record(z.string(), z.unknown()).optional(),
  source_id: z.string().optional(),
  attachments: z.array(z.object({
    filename: z.string().min(1),
    content_type: z.string().min(1),
    data_base64: z.string(),
  }).strict()).max(MAX_ATTACHMENTS + 1).optional(),
}).strict();

const statusSchema = z.object({ status: z.enum(['open', 'resolved', 'pending', 'snoozed']).optional(), user_id: z.number().int().positive().optional() }).strict();
const typingSchema = z.object({ status: z.enum(['on', 'off']), private: z.boolean().optional(), user_id: z.number().int().positive().optional() }).strict();
const actorSchema = z.object({ user_id: z.number().int().positive().optional() }).strict();

const BASE = '/_fake/accounts/:aid/conversations/:cid';

export function agentRoutes(deps: ControlDeps): ControlRoute[] {
  const { services } = deps;
  const view = services.view;
  const conversationOf = (ctx: ControlCtx): Conversation => services.store.state.conversationByDisplay(pathInt(ctx, 'aid'), pathInt(ctx, 'cid'));
  /** The named user, else the inbox's first member agent, else the account's first administrator. */
  const agentFor = (conversation: Conversation, userId: number | undefined): Principal => {
    const state = services.store.state;
    const inbox = state.inboxes.get(conversation.inboxId);
    const users = [...state.users.values()].filter((u) => u.roles.has(conversation.accountId)).sort((a, b) => a.id - b.id);
    let user: User | undefined;
    if (userId !== undefined) {
      user = users.find((u) => u.id === userId);
      if (!user) throw new ControlError(`user_id: user ${userId} is not a user of account ${conversation.accountId}`);
    } else {
      user = users.find((u) => inbox?.memberIds.has(u.id)) ?? users.find((u) => u.roles.get(conversation.accountId) === 'administrator');
      if (!user) throw new ControlError(`account ${conversation.accountId} has no user to act as`);
    }
    return { kind: 'user', user };
  };
  return [
    {
      method: 'POST', path: `${BASE}/messages`,
      handler: async (ctx) => {
        const body = read(messageSchema, ctx.body);
        const conversation = conversationOf(ctx);
        const agent = agentFor(conversation, body.user_id);
        const tx = new Tx();
        const message = services.messages.create(tx, conversation, {
          content: body.content ?? null,
          messageType: body.message_type ?? 'outgoing',
          private: body.private ?? false,
          contentType: 'text',
          contentAttributes: (body.content_attributes ?? {}) as JsonObject,
          sourceId: body.source_id ?? null,
          sender: services.access.senderOf(agent),
          files: (body.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.content_type, data: Buffer.from(a.data_base64, 'base64') })),
        });
        return json(200, { message: messageJson(view, message), deliveries: await commit(deps, tx) });
      },
    },
    ...(['delete', 'retry'] as const).map((action): ControlRoute => ({
      method: 'POST', path: `${BASE}/messages/:mid/${action}`,
      handler: async (ctx) => {
        read(actorSchema, ctx.body);
        const conversation = conversationOf(ctx);
        const message = services.store.state.messageIn(conversation, pathInt(ctx, 'mid'));
        const tx = new Tx();
        if (action === 'delete') services.messages.softDelete(tx, message);
        else services.messages.retry(tx, message);
        return json(200, { message: messageJson(view, message), deliveries: await commit(deps, tx) });
      },
    })),
    {
      method: 'POST', path: `${BASE}/status`,
      handler: async (ctx) => {
        const body = read(statusSchema, ctx.body);
        const conversation = conversationOf(ctx);
        const tx = new Tx();
        services.conversations.toggleStatus(tx, agentFor(conversation, body.user_id), conversation, body.status);
        return json(200, { conversation: conversationJson(view, conversation), deliveries: await commit(deps, tx) });
      },
    },
    {
      method: 'POST', path: `${BASE}/typing`,
      handler: async (ctx) => {
        const body = read(typingSchema, ctx.body);
        const conversation = conversationOf(ctx);
        const agent = agentFor(conversation, body.user_id);
        const tx = new Tx();
        services.conversations.typing(tx, conversation, body.status === 'on', services.access.senderOf(agent), body.private ?? false);
        return json(200, { deliveries: await commit(deps, tx) });
      },
    },
  ];
}

