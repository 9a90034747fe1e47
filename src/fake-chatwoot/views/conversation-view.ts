/**
 * Conversation shapes: the REST jbuilder (`api/v1/conversations/partials/_conversation`) and the webhook
 * data of `Conversations::EventDataPresenter`. In both, `id` is the **display_id**.
 */
import type { Conversation, ContactInbox } from '../domain/records.js';
import { isoTime, unixFloat, unixTime } from '../lib/time.js';
import { userPush } from './actor-view.js';
import { contactJson, contactPush } from './contact-view.js';
import type { JsonMap, ViewCtx } from './context.js';
import { unreadCount } from './conversation-facts.js';
import { messagePush } from './message-view.js';

/** The whole contact_inbox row, as the webhook carries it. */
export function contactInboxRow(ci: ContactInbox | undefined): JsonMap | null {
  if (!ci) return null;
  return {
    id: ci.id,
    contact_id: ci.contactId,
    inbox_id: ci.inboxId,
    source_id: ci.sourceId,
    created_at: isoTime(ci.createdAt),
    updated_at: isoTime(ci.updatedAt),
    hmac_verified: ci.hmacVerified,
    pubsub_token: ci.pubsubToken,
  };
}

export function conversationJson(ctx: ViewCtx, conversation: Conversation): JsonMap {
  const state = ctx.store.state;
  const contact = state.contact(conversation.accountId, conversation.contactId);
  const inbox = state.inboxes.get(conversation.inboxId);
  const assignee = conversation.assigneeId === null ? undefined : state.users.get(conversation.assigneeId);
  const last = state.lastMessage(conversation);
  const lastNonActivity = state.lastMessage(conversation, (m) => m.messageType !== 'activity');
  return {
    meta: {
      sender: contactJson(ctx, contact, false),
      channel: inbox?.channelType ?? null,
      assignee: assignee ? userPush(assignee) : undefined,
      assignee_type: assignee ? 'User' : undefined,
      hmac_verified: state.contactInboxes.get(conversation.contactInboxId)?.hmacVerified ?? false,
    },
    id: conversation.displayId,
    messages: last ? [messagePush(ctx, last)] : [],
    account_id: conversation.accountId,
    uuid: conversation.uuid,
    additional_attributes: conversation.additionalAttributes,
    agent_last_seen_at: unixTime(conversation.agentLastSeenAt),
    assignee_last_seen_at: unixTime(conversation.assigneeLastSeenAt),
    can_reply: true,
    contact_last_seen_at: unixTime(conversation.contactLastSeenAt),
    custom_attributes: conversation.customAttributes,
    inbox_id: conversation.inboxId,
    labels: conversation.labels,
    muted: conversation.muted,
    snoozed_until: conversation.snoozedUntil === null ? null : isoTime(conversation.snoozedUntil),
    status: conversation.status,
    created_at: unixTime(conversation.createdAt),
    updated_at: unixFloat(conversation.updatedAt),
    timestamp: unixTime(conversation.lastActivityAt),
    first_reply_created_at: unixTime(conversation.firstReplyCreatedAt),
    unread_count: unreadCount(state, conversation),
    last_non_activity_message: lastNonActivity ? messagePush(ctx, lastNonActivity) : null,
    last_activity_at: unixTime(conversation.lastActivityAt),
    priority: conversation.priority,
    waiting_since: unixTime(conversation.waitingSince),
    sla_policy_id: null,
  };
}

/**
 * `conversation.webhook_data`. `messages` holds the conversation's last **chat** message (not activity, not
 * private), which is not necessarily the message of the event being delivered.
 */
export function conversationWebhook(ctx: ViewCtx, conversation: Conversation): JsonMap {
  const state = ctx.store.state;
  const contact = state.contact(conversation.accountId, conversation.contactId);
  const inbox = state.inboxes.get(conversation.inboxId);
  const contactInbox = state.contactInboxes.get(conversation.contactInboxId);
  const assignee = conversation.assigneeId === null ? undefined : state.users.get(conversation.assigneeId);
  const lastChat = state.lastMessage(conversation, (m) => m.messageType !== 'activity' && !m.private);
  const account = state.account(conversation.accountId).account;
  return {
    additional_attributes: conversation.additionalAttributes,
    can_reply: true,
    channel: inbox?.channelType ?? null,
    contact_inbox: contactInboxRow(contactInbox),
    id: conversation.displayId,
    inbox_id: conversation.inboxId,
    messages: lastChat ? [messagePush(ctx, lastChat)] : [],
    labels: conversation.labels,
    meta: {
      sender: contactPush(contact),
      assignee: assignee ? userPush(assignee) : null,
      assignee_type: assignee ? 'User' : null,
      team: null,
      hmac_verified: contactInbox?.hmacVerified ?? false,
    },
    status: conversation.status,
    custom_attributes: conversation.customAttributes,
    snoozed_until: conversation.snoozedUntil === null ? null : isoTime(conversation.snoozedUntil),
    unread_count: unreadCount(state, conversation),
    first_reply_created_at: conversation.firstReplyCreatedAt === null ? null : isoTime(conversation.firstReplyCreatedAt),
    priority: conversation.priority,
    waiting_since: unixTime(conversation.waitingSince),
    agent_last_seen_at: unixTime(conversation.agentLastSeenAt),
    contact_last_seen_at: unixTime(conversation.contactLastSeenAt),
    last_activity_at: unixTime(conversation.lastActivityAt),
    timestamp: unixTime(conversation.lastActivityAt),
    created_at: unixTime(conversation.createdAt),
    updated_at: unixFloat(conversation.updatedAt),
    account: { id: account.id, name: account.name },
  };
}
