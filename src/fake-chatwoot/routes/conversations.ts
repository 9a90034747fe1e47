/** Conversation routes (FC-11 … FC-13): create, show, toggle_status, agent last-seen, typing. */
import type { Services } from '../app.js';
import { bool, int, obj, optionalText, str } from '../http/params.js';
import { EMPTY_OK, ok } from '../http/reply.js';
import type { RouteSpec } from '../http/router.js';
import type { ConversationInput } from '../services/conversations.js';
import { conversationJson } from '../views/conversation-view.js';
import { ACCOUNT, conversationOf, principalOf } from './helpers.js';
import { contentAttributes, messageType } from './message-params.js';

/** `snoozed_until` arrives as unix seconds. */
function snoozeParam(value: unknown): number | null | undefined {
  if (value === undefined) return undefined;
  const seconds = int(value);
  return seconds === undefined ? null : seconds * 1000;
}

export function conversationRoutes(s: Services): RouteSpec[] {
  const view = s.view;
  return [
    {
      id: 'conversations.create', method: 'POST', path: `${ACCOUNT}/conversations`, auth: 'account', bots: true,
      handler: (ctx) => {
        const p = ctx.params;
        const message = obj(p.message);
        const input: ConversationInput = {
          inboxId: int(p.inbox_id),
          contactId: int(p.contact_id),
          sourceId: optionalText(p, 'source_id'),
          status: str(p, 'status') || undefined,
          assigneeId: int(p.assignee_id) ?? null,
          snoozedUntil: snoozeParam(p.snoozed_until),
          additionalAttributes: obj(p.additional_attributes),
          customAttributes: obj(p.custom_attributes),
          message: message && {
            content: str(message, 'content') ?? null,
            messageType: messageType(message.message_type, 'outgoing'),
            private: false,
            contentType: 'text',
            contentAttributes: contentAttributes(message.content_attributes),
            sourceId: null,
            files: [],
          },
        };
        return ok(conversationJson(view, s.conversations.create(ctx.tx, principalOf(ctx), ctx.accountId, input)));
      },
    },
    {
      id: 'conversations.show', method: 'GET', path: `${ACCOUNT}/conversations/:cid`, auth: 'account', bots: true,
      handler: (ctx) => ok(conversationJson(view, conversationOf(ctx, s.store, s.access))),
    },
    {
      id: 'conversations.toggle_status', method: 'POST', path: `${ACCOUNT}/conversations/:cid/toggle_status`, auth: 'account', bots: true,
      handler: (ctx) => {
        const conversation = conversationOf(ctx, s.store, s.access);
        const result = s.conversations.toggleStatus(ctx.tx, principalOf(ctx), conversation, str(ctx.params, 'status') || undefined, snoozeParam(ctx.params.snoozed_until));
        return ok({
          meta: {},
          payload: {
            success: result.success,
            conversation_id: conversation.displayId,
            current_status: conversation.status,
            snoozed_until: conversation.snoozedUntil === null ? null : new Date(conversation.snoozedUntil).toISOString(),
          },
        });
      },
    },
    {
      id: 'conversations.update_last_seen', method: 'POST', path: `${ACCOUNT}/conversations/:cid/update_last_seen`, auth: 'account',
      handler: (ctx) => {
        s.conversations.agentSeen(conversationOf(ctx, s.store, s.access));
        return EMPTY_OK;
      },
    },
    {
      id: 'conversations.toggle_typing_status', method: 'POST', path: `${ACCOUNT}/conversations/:cid/toggle_typing_status`, auth: 'account', bots: true,
      handler: (ctx) => {
        const conversation = conversationOf(ctx, s.store, s.access);
        const on = str(ctx.params, 'typing_status') === 'on';
        s.conversations.typing(ctx.tx, conversation, on, s.access.senderOf(principalOf(ctx)), bool(ctx.params.is_private) ?? false);
        return EMPTY_OK;
      },
    },
  ];
}
