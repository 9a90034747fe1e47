/**
 * Message shapes. REST (`api/v1/models/_message`): integer `message_type`, unix `created_at`. Push data
 * (`conversation.messages[]` in webhooks): every column, integer `message_type`. Webhook data (the top level
 * of message_created/updated): **string** `message_type`, ISO `created_at`, no `status`, normalised content.
 */
import { webhookContent } from '../domain/content.js';
import { MESSAGE_TYPES, type Attachment, type Message } from '../domain/records.js';
import { isoTime, unixTime } from '../lib/time.js';
import { senderPush, senderWebhook } from './actor-view.js';
import type { JsonMap, ViewCtx } from './context.js';
import { sourceIdOf, unreadCount } from './conversation-facts.js';
import { inboxWebhook } from './inbox-view.js';

export function attachmentJson(ctx: ViewCtx, attachment: Attachment): JsonMap {
  return {
    id: attachment.id,
    message_id: attachment.messageId,
    file_type: attachment.fileType,
    account_id: attachment.accountId,
    extension: null,
    data_url: ctx.urls.dataUrl(attachment),
    thumb_url: ctx.urls.thumbUrl(attachment),
    file_size: attachment.data.length,
    width: null,
    height: null,
    transcribed_text: attachment.fileType === 'audio' ? null : undefined,
  };
}

function attachmentsJson(ctx: ViewCtx, message: Message): JsonMap[] | undefined {
  return message.attachments.length > 0 ? message.attachments.map((a) => attachmentJson(ctx, a)) : undefined;
}

export function messageTypeInt(message: Message): number {
  return MESSAGE_TYPES.indexOf(message.messageType);
}

/** `echo_id` is not stored: only the create answer carries it back. */
export function messageJson(ctx: ViewCtx, message: Message, echoId?: string): JsonMap {
  const conversation = ctx.store.state.conversation(message.conversationInternalId);
  return {
    id: message.id,
    content: message.content,
    inbox_id: message.inboxId,
    echo_id: echoId,
    conversation_id: conversation.displayId,
    message_type: messageTypeInt(message),
    content_type: message.contentType,
    status: message.status,
    content_attributes: message.contentAttributes,
    created_at: unixTime(message.createdAt),
    private: message.private,
    source_id: message.sourceId,
    sender: senderPush(ctx, message.accountId, message.sender),
    attachments: attachmentsJson(ctx, message),
  };
}

/** `Message#push_event_data`. */
export function messagePush(ctx: ViewCtx, message: Message): JsonMap {
  const state = ctx.store.state;
  const conversation = state.conversation(message.conversationInternalId);
  return {
    id: message.id,
    content: message.content,
    account_id: message.accountId,
    inbox_id: message.inboxId,
    conversation_id: conversation.displayId,
    message_type: messageTypeInt(message),
    created_at: unixTime(message.createdAt),
    updated_at: isoTime(message.updatedAt),
    private: message.private,
    status: message.status,
    source_id: message.sourceId,
    content_type: message.contentType,
    content_attributes: message.contentAttributes,
    sender_type: message.sender?.type ?? null,
    sender_id: message.sender?.id ?? null,
    external_source_ids: {},
    additional_attributes: message.additionalAttributes,
    processed_message_content: message.content,
    sentiment: {},
    conversation: {
      assignee_id: conversation.assigneeId,
      unread_count: unreadCount(state, conversation),
      last_activity_at: unixTime(conversation.lastActivityAt),
      contact_inbox: { source_id: sourceIdOf(state, conversation) },
    },
    sender: senderPush(ctx, message.accountId, message.sender),
    attachments: attachmentsJson(ctx, message),
  };
}

/** `Message#webhook_data`; the listener appends `event` after these keys. `conversation` is built by the caller. */
export function messageWebhook(ctx: ViewCtx, message: Message, conversationData: JsonMap): JsonMap {
  const state = ctx.store.state;
  const account = state.account(message.accountId).account;
  const inbox = state.inboxes.get(message.inboxId);
  return {
    account: { id: account.id, name: account.name },
    additional_attributes: message.additionalAttributes,
    content_attributes: message.contentAttributes,
    content_type: message.contentType,
    content: webhookContent(message.content, ctx.features),
    conversation: conversationData,
    created_at: isoTime(message.createdAt),
    id: message.id,
    inbox: inbox ? inboxWebhook(inbox) : null,
    message_type: message.messageType,
    private: message.private,
    sender: senderWebhook(ctx, message.accountId, message.sender),
    source_id: message.sourceId,
    attachments: attachmentsJson(ctx, message),
  };
}
