/**
 * Everything the fake received, as `/_fake/state` shows it: every table in snake_case, internal ids
 * included (the conversation's `internal_id` never appears in the API), attachments with their stored
 * bytes' size, SHA-256, MIME type and file name (the bytes themselves with `?bytes=true`).
 */
import { createHash } from 'node:crypto';
import type { Attachment, Message } from '../domain/records.js';
import { isoOrNull, isoTime } from '../lib/time.js';
import type { State } from '../store/state.js';

export function attachmentDump(attachment: Attachment, bytes: boolean): Record<string, unknown> {
  return {
    id: attachment.id,
    message_id: attachment.messageId,
    file_type: attachment.fileType,
    content_type: attachment.contentType,
    filename: attachment.filename,
    file_size: attachment.data.length,
    sha256: createHash('sha256').update(attachment.data).digest('hex'),
    data_base64: bytes ? attachment.data.toString('base64') : undefined,
  };
}

export function messageDump(state: State, message: Message, bytes: boolean): Record<string, unknown> {
  const conversation = state.conversations.get(message.conversationInternalId);
  return {
    account_id: message.accountId,
    id: message.id,
    conversation_id: conversation?.displayId ?? null,
    conversation_internal_id: message.conversationInternalId,
    inbox_id: message.inboxId,
    content: message.content,
    message_type: message.messageType,
    content_type: message.contentType,
    content_attributes: message.contentAttributes,
    private: message.private,
    status: message.status,
    source_id: message.sourceId,
    sender: message.sender,
    created_at: isoTime(message.createdAt),
    updated_at: isoTime(message.updatedAt),
    attachments: message.attachments.map((a) => attachmentDump(a, bytes)),
  };
}

export function stateDump(state: State, accountId: number | undefined, bytes: boolean): Record<string, unknown> {
  const inAccount = (id: number): boolean => accountId === undefined || id === accountId;
  const accounts = [...state.accounts.values()].filter((a) => inAccount(a.account.id));
  return {
    accounts: accounts.map((a) => ({ id: a.account.id, name: a.account.name, next_ids: { contact: a.next.contact, display: a.next.display, message: a.next.message } })),
    users: [...state.users.values()].map((u) => ({ id: u.id, name: u.name, email: u.email, roles: Object.fromEntries(u.roles) })),
    agent_bots: [...state.bots.values()].map((b) => ({ id: b.id, name: b.name, account_id: b.accountId, inbox_ids: [...b.inboxIds] })),
    inboxes: [...state.inboxes.values()].filter((i) => inAccount(i.accountId)).map((i) => ({
      id: i.id, account_id: i.accountId, name: i.name, channel_type: i.channelType, webhook_url: i.webhookUrl, inbox_identifier: i.identifier,
      hmac_token: i.hmacToken, secret: i.secret, hmac_mandatory: i.hmacMandatory, lock_to_single_conversation: i.lockToSingleConversation,
      members: [...i.memberIds],
    })),
    contacts: accounts.flatMap((a) => [...a.contacts.values()]).map((c) => ({
      account_id: c.accountId, id: c.id, name: c.name, email: c.email, phone_number: c.phoneNumber, identifier: c.identifier, blocked: c.blocked,
      avatar_url: c.avatarSourceUrl, custom_attributes: c.customAttributes, additional_attributes: c.additionalAttributes,
      last_activity_at: isoOrNull(c.lastActivityAt), created_at: isoTime(c.createdAt),
    })),
    contact_inboxes: [...state.contactInboxes.values()].filter((ci) => inAccount(ci.accountId)).map((ci) => ({
      id: ci.id, account_id: ci.accountId, contact_id: ci.contactId, inbox_id: ci.inboxId, source_id: ci.sourceId, hmac_verified: ci.hmacVerified,
    })),
    conversations: [...state.conversations.values()].filter((c) => inAccount(c.accountId)).map((c) => ({
      internal_id: c.internalId, account_id: c.accountId, display_id: c.displayId, inbox_id: c.inboxId, contact_id: c.contactId,
      contact_inbox_id: c.contactInboxId, status: c.status, snoozed_until: isoOrNull(c.snoozedUntil), assignee_id: c.assigneeId,
      custom_attributes: c.customAttributes, additional_attributes: c.additionalAttributes, last_activity_at: isoTime(c.lastActivityAt),
      contact_last_seen_at: isoOrNull(c.contactLastSeenAt), agent_last_seen_at: isoOrNull(c.agentLastSeenAt),
      waiting_since: isoOrNull(c.waitingSince), first_reply_created_at: isoOrNull(c.firstReplyCreatedAt), message_ids: c.messageIds,
    })),
    messages: accounts.flatMap((a) => [...a.messages.values()]).map((m) => messageDump(state, m, bytes)),
    webhooks: [...state.webhooks.values()].filter((w) => inAccount(w.accountId)).map((w) => ({
      id: w.id, account_id: w.accountId, name: w.name, url: w.url, subscriptions: w.subscriptions, inbox_id: w.inboxId, secret: w.secret,
    })),
    notes: accounts.flatMap((a) => [...a.notes.values()]).map((n) => ({ id: n.id, account_id: n.accountId, contact_id: n.contactId, content: n.content, user_id: n.userId })),
  };
}
