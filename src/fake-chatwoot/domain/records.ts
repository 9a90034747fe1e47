/**
 * The rows the fake keeps, one interface per Chatwoot table it models. Times are epoch milliseconds.
 * Contact ids, conversation display ids and message ids are counted per account; inbox, contact_inbox,
 * attachment, webhook and the internal conversation ids are global, like database primary keys.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type Role = 'administrator' | 'agent';

export const CHANNEL_TYPES = ['Channel::Api', 'Channel::WebWidget'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Enum order = the integer Chatwoot stores (`open: 0, resolved: 1, pending: 2, snoozed: 3`). */
export const CONVERSATION_STATUSES = ['open', 'resolved', 'pending', 'snoozed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** Enum order = the integer in REST answers (`incoming: 0 … template: 3`). */
export const MESSAGE_TYPES = ['incoming', 'outgoing', 'activity', 'template'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const MESSAGE_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const CONTENT_TYPES = [
  'text', 'input_text', 'input_textarea', 'input_email', 'input_select', 'cards', 'form', 'article',
  'incoming_email', 'input_csat', 'integrations', 'sticker', 'voice_call',
] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export type FileType = 'image' | 'audio' | 'video' | 'file';

export interface Account {
  readonly id: number;
  name: string;
}

export interface AccountCounters {
  contact: number;
  display: number;
  message: number;
}

export interface User {
  readonly id: number;
  name: string;
  email: string;
  /** account id → role */
  readonly roles: Map<number, Role>;
  readonly pubsubToken: string;
}

export interface AgentBot {
  readonly id: number;
  name: string;
  /** null: a global bot (created by the super admin). */
  readonly accountId: number | null;
  /** Inboxes the bot is connected to (agent_bot_inboxes): they decide which accounts its token may use. */
  readonly inboxIds: Set<number>;
}

export type TokenOwner = { readonly type: 'User'; readonly id: number } | { readonly type: 'AgentBot'; readonly id: number };

export interface Inbox {
  readonly id: number;
  readonly accountId: number;
  readonly channelId: number;
  readonly channelType: ChannelType;
  name: string;
  /** API channel: where every event of the inbox is POSTed. */
  webhookUrl: string;
  /** API channel `identifier` (the public `inbox_identifier`); web widget `website_token`. */
  readonly identifier: string;
  readonly hmacToken: string;
  /** API channel webhook signing secret (since 4.13.0). */
  secret: string;
  hmacMandatory: boolean;
  additionalAttributes: JsonObject;
  lockToSingleConversation: boolean;
  allowMessagesAfterResolved: boolean;
  enableAutoAssignment: boolean;
  greetingEnabled: boolean;
  greetingMessage: string | null;
  /** Agents assigned to the inbox (administrators see every inbox anyway). */
  readonly memberIds: Set<number>;
  readonly createdAt: number;
  updatedAt: number;
}

export interface Contact {
  readonly accountId: number;
  readonly id: number;
  name: string;
  email: string | null;
  phoneNumber: string | null;
  identifier: string | null;
  blocked: boolean;
  /** The `avatar_url` a client asked for: recorded, never downloaded (the thumbnail stays empty). */
  avatarSourceUrl: string | null;
  customAttributes: JsonObject;
  additionalAttributes: JsonObject;
  lastActivityAt: number | null;
  readonly createdAt: number;
  updatedAt: number;
}

export interface ContactInbox {
  readonly id: number;
  readonly accountId: number;
  contactId: number;
  readonly inboxId: number;
  sourceId: string;
  hmacVerified: boolean;
  readonly pubsubToken: string;
  readonly createdAt: number;
  updatedAt: number;
}

export interface Conversation {
  /** The database id: never in a URL or payload; kept apart so that confusing it with display_id fails. */
  readonly internalId: number;
  readonly accountId: number;
  readonly displayId: number;
  readonly inboxId: number;
  contactId: number;
  contactInboxId: number;
  readonly uuid: string;
  status: ConversationStatus;
  snoozedUntil: number | null;
  assigneeId: number | null;
  priority: string | null;
  labels: string[];
  muted: boolean;
  additionalAttributes: JsonObject;
  customAttributes: JsonObject;
  readonly createdAt: number;
  updatedAt: number;
  lastActivityAt: number;
  contactLastSeenAt: number | null;
  agentLastSeenAt: number | null;
  assigneeLastSeenAt: number | null;
  firstReplyCreatedAt: number | null;
  waitingSince: number | null;
  /** Message ids of this conversation, oldest first. */
  readonly messageIds: number[];
}

export interface SenderRef {
  readonly type: 'User' | 'Contact' | 'AgentBot';
  readonly id: number;
}

export interface Attachment {
  readonly id: number;
  readonly accountId: number;
  readonly messageId: number;
  readonly fileType: FileType;
  readonly contentType: string;
  readonly filename: string;
  readonly data: Buffer;
  readonly createdAt: number;
}

export interface Message {
  readonly accountId: number;
  readonly id: number;
  readonly conversationInternalId: number;
  readonly inboxId: number;
  content: string | null;
  readonly messageType: MessageType;
  contentType: ContentType;
  contentAttributes: JsonObject;
  readonly private: boolean;
  status: MessageStatus;
  readonly sourceId: string | null;
  sender: SenderRef | null;
  additionalAttributes: JsonObject;
  attachments: Attachment[];
  readonly createdAt: number;
  updatedAt: number;
}

export interface AccountWebhook {
  readonly id: number;
  readonly accountId: number;
  name: string | null;
  url: string;
  subscriptions: string[];
  inboxId: number | null;
  readonly secret: string;
  readonly createdAt: number;
}

export interface ContactNote {
  readonly id: number;
  readonly accountId: number;
  contactId: number;
  content: string;
  readonly userId: number | null;
  readonly createdAt: number;
  updatedAt: number;
}

export type AttributeModel = 'conversation_attribute' | 'contact_attribute';

export interface AttributeDefinition {
  readonly id: number;
  readonly accountId: number;
  readonly key: string;
  readonly displayName: string;
  readonly displayType: string;
  readonly model: AttributeModel;
  readonly createdAt: number;
}

/** A file part of a multipart request, as received. */
export interface FileUpload {
  readonly filename: string;
  readonly contentType: string;
  readonly data: Buffer;
}
