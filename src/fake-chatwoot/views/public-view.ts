/** Shapes of the Public (client) API: contact inbox, conversation and message as a widget/API client sees them. */
import type { ContactInbox, Conversation, Message } from '../domain/records.js';
import { unixTime } from '../lib/time.js';
import { senderPush } from './actor-view.js';
import type { JsonMap, ViewCtx } from './context.js';
import { attachmentJson, messageTypeInt } from './message-view.js';

export function publicContactInbox(ctx: ViewCtx, ci: ContactInbox): JsonMap {
  const contact = ctx.store.state.contact(ci.accountId, ci.contactId);
  return {
    id: contact.id,
    source_id: ci.sourceId,
    name: contact.name,
    email: contact.email,
    phone_number: contact.phoneNumber,
    pubsub_token: ci.pubsubToken,
  };
}

export function publicMessage(ctx: ViewCtx, message: Message): JsonMap {
  const conversation = ctx.store.state.conversation(message.conversationInternalId);
  return {
    id: message.id,
    content: message.content,
    message_type: messageTypeInt(message),
    content_type: message.contentType,
    content_attributes: message.contentAttributes,
    created_at: unixTime(message.createdAt),
    conversation_id: conversation.displayId,
    attachments: message.attachments.length > 0 ? message.attachments.map((a) => attachmentJson(ctx, a)) : undefined,
    sender: senderPush(ctx, message.accountId, message.sender),
  };
}

export function publicConversation(ctx: ViewCtx, conversation: Conversation): JsonMap {
  const state = ctx.store.state;
  const contact = state.contact(conversation.accountId, conversation.contactId);
  return {
    id: conversation.displayId,
    uuid: conversation.uuid,
    inbox_id: conversation.inboxId,
    contact_last_seen_at: unixTime(conversation.contactLastSeenAt),
    status: conversation.status,
    agent_last_seen_at: unixTime(conversation.agentLastSeenAt),
    messages: state.messagesOf(conversation).filter((m) => !m.private).map((m) => publicMessage(ctx, m)),
    contact: { id: contact.id, name: contact.name, email: contact.email, phone_number: contact.phoneNumber },
  };
}
