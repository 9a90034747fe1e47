/** Message routes (FC-12, FC-14 … FC-16): list with before/after, create (JSON or multipart), status, delete, retry. */
import type { Services } from '../app.js';
import { errors } from '../domain/errors.js';
import type { Message } from '../domain/records.js';
import { int, optionalText, str } from '../http/params.js';
import { ok } from '../http/reply.js';
import type { RouteCtx, RouteSpec } from '../http/router.js';
import { userPush } from '../views/actor-view.js';
import { contactJson } from '../views/contact-view.js';
import { messageJson } from '../views/message-view.js';
import { ACCOUNT, conversationOf, idParam, principalOf } from './helpers.js';
import { applicationMessage } from './message-params.js';

const NEWEST = 20;
const AFTER_LIMIT = 100;
const BETWEEN_LIMIT = 1000;

/** `MessageFinder`: the 20 newest, or 20 before `before`, or 100 after `after`, always ascending. */
function page(messages: Message[], before: number | undefined, after: number | undefined): Message[] {
  if (after !== undefined && before !== undefined) return messages.filter((m) => m.id > after && m.id < before).slice(0, BETWEEN_LIMIT);
  if (after !== undefined) return messages.filter((m) => m.id > after).slice(0, AFTER_LIMIT);
  if (before !== undefined) return messages.filter((m) => m.id < before).slice(-NEWEST);
  return messages.slice(-NEWEST);
}

export function messageRoutes(s: Services): RouteSpec[] {
  const view = s.view;
  const messageOf = (ctx: RouteCtx): Message => s.store.state.messageIn(conversationOf(ctx, s.store, s.access), idParam(ctx, 'id'));
  return [
    {
      id: 'messages.index', method: 'GET', path: `${ACCOUNT}/conversations/:cid/messages`, auth: 'account',
      handler: (ctx) => {
        const conversation = conversationOf(ctx, s.store, s.access);
        const state = s.store.state;
        const contact = state.contact(ctx.accountId, conversation.contactId);
        const assignee = conversation.assigneeId === null ? undefined : state.users.get(conversation.assigneeId);
        return ok({
          meta: {
            labels: conversation.labels,
            additional_attributes: conversation.additionalAttributes,
            contact: contactJson(view, contact, false),
            assignee: assignee ? userPush(assignee) : null,
            agent_last_seen_at: conversation.agentLastSeenAt === null ? null : new Date(conversation.agentLastSeenAt).toISOString(),
            assignee_last_seen_at: conversation.assigneeLastSeenAt === null ? null : new Date(conversation.assigneeLastSeenAt).toISOString(),
          },
          payload: page(state.messagesOf(conversation), int(ctx.params.before), int(ctx.params.after)).map((m) => messageJson(view, m)),
        });
      },
    },
    {
      id: 'messages.create', method: 'POST', path: `${ACCOUNT}/conversations/:cid/messages`, auth: 'account', bots: true,
      handler: (ctx) => {
        const conversation = conversationOf(ctx, s.store, s.access);
        const input = applicationMessage(s, principalOf(ctx), ctx.accountId, ctx.params);
        const message = s.messages.create(ctx.tx, conversation, input);
        return ok(messageJson(view, message, str(ctx.params, 'echo_id')));
      },
    },
    {
      id: 'messages.update', method: 'PATCH', path: `${ACCOUNT}/conversations/:cid/messages/:id`, auth: 'account', feature: 'messageStatusUpdate',
      handler: (ctx) => {
        const message = messageOf(ctx);
        if (s.store.state.inboxes.get(message.inboxId)?.channelType !== 'Channel::Api') {
          throw errors.forbidden('Message status update is only allowed for API inboxes');
        }
        const externalError = optionalText(ctx.params, 'external_error');
        return ok(messageJson(view, s.messages.updateStatus(ctx.tx, message, str(ctx.params, 'status') ?? '', externalError)));
      },
    },
    {
      id: 'messages.destroy', method: 'DELETE', path: `${ACCOUNT}/conversations/:cid/messages/:id`, auth: 'account',
      handler: (ctx) => ok(messageJson(view, s.messages.softDelete(ctx.tx, messageOf(ctx)))),
    },
    {
      id: 'messages.retry', method: 'POST', path: `${ACCOUNT}/conversations/:cid/messages/:id/retry`, auth: 'account',
      handler: (ctx) => ok(messageJson(view, s.messages.retry(ctx.tx, messageOf(ctx)))),
    },
  ];
}
