/**
 * The gateway's tables on Postgres (distributed mode), twin of src/db/schema.ts: same table, column, key and index
 * names, types mapped as src/db/pg/schema-common.ts says. What each column means is written once, in the SQLite
 * file; tests/db/schema-parity.test.ts fails when the two differ.
 */
import { sql } from 'drizzle-orm';
import { boolean, index, json, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Role } from '../../domain/access.js';
import type { DesiredState, DeviceState, SessionState, StopReason } from '../../domain/device-state.js';
import type { ChatType, MessageStatus, StoredDirection, StoredMessageType, StoredSource, StoredStatus } from '../../domain/conversation-views.js';
import type { DeliveryScope, DeliveryStatus, SyncState } from '../schema.js';
import { int, serialId, timestamps } from './schema-common.js';

export const users = pgTable('users', {
  id: serialId('id'),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<Role>().notNull().default('user'),
  disabledAt: int('disabled_at'),
  tokenGeneration: int('token_generation').notNull().default(0),
  ...timestamps,
});

export const devices = pgTable(
  'devices',
  {
    phoneNumber: text('phone_number').primaryKey(),
    pendingId: text('pending_id'),
    name: text('name').notNull(),
    ownerId: int('owner_id').references(() => users.id),
    port: int('port'),
    pid: int('pid'),
    state: text('state').$type<DeviceState>().notNull().default('stopped'),
    desiredState: text('desired_state').$type<DesiredState>().notNull().default('stopped'),
    stopReason: text('stop_reason').$type<StopReason>(),
    sessionState: text('session_state').$type<SessionState>().notNull().default('unknown'),
    jid: text('jid'),
    restartCount: int('restart_count').notNull().default(0),
    lastExitCode: int('last_exit_code'),
    lastExitSignal: text('last_exit_signal'),
    lastError: text('last_error'),
    startedAt: int('started_at'),
    queuePolicy: json('queue_policy').$type<{ concurrency: number; interval: number; intervalCap: number }>(),
    pausedUntil: int('paused_until'),
    pauseReason: text('pause_reason'),
    webhookUrl: text('webhook_url'),
    webhookSecret: text('webhook_secret'),
    webhookEvents: json('webhook_events').$type<string[]>(),
    ...timestamps,
  },
  (t) => [uniqueIndex('devices_pending_id_idx').on(t.pendingId)],
);

export const deviceEvents = pgTable(
  'device_events',
  {
    id: serialId('id'),
    phoneNumber: text('phone_number').notNull(),
    type: text('type').notNull(),
    fromState: text('from_state'),
    toState: text('to_state'),
    detail: json('detail').$type<Record<string, unknown>>(),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('device_events_phone_idx').on(t.phoneNumber, t.id)],
);

export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    phoneNumber: text('phone_number').notNull(),
    recipient: text('recipient').notNull(),
    kind: text('kind').$type<'text' | 'image' | 'file'>().notNull(),
    payload: json('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<MessageStatus>().notNull().default('queued'),
    idempotencyKey: text('idempotency_key'),
    attempts: int('attempts').notNull().default(0),
    nextAttemptAt: int('next_attempt_at'),
    waMessageId: text('wa_message_id'),
    error: text('error'),
    expiresAt: int('expires_at'),
    sentAt: int('sent_at'),
    deliveredAt: int('delivered_at'),
    readAt: int('read_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('messages_idempotency_idx').on(t.phoneNumber, t.idempotencyKey),
    index('messages_phone_status_idx').on(t.phoneNumber, t.status, t.createdAt),
    index('messages_wa_id_idx').on(t.waMessageId),
  ],
);

export const events = pgTable(
  'events',
  {
    id: serialId('id'),
    phoneNumber: text('phone_number').notNull(),
    seq: int('seq').notNull(),
    type: text('type').notNull(),
    payload: json('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [uniqueIndex('events_phone_seq_idx').on(t.phoneNumber, t.seq)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: serialId('id'),
    eventId: text('event_id').notNull(),
    phoneNumber: text('phone_number').notNull(),
    endpoint: text('endpoint').notNull(),
    scope: text('scope').$type<DeliveryScope>().notNull().default('device'),
    eventType: text('event_type').notNull().default(''),
    body: text('body').notNull(),
    status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
    attempts: int('attempts').notNull().default(0),
    nextAttemptAt: int('next_attempt_at').notNull(),
    giveUpAt: int('give_up_at').notNull().default(0),
    lastStatus: int('last_status'),
    lastError: text('last_error'),
    deliveredAt: int('delivered_at'),
    ...timestamps,
  },
  (t) => [
    index('webhook_deliveries_queue_idx').on(t.endpoint, t.phoneNumber, t.status, t.id),
    index('webhook_deliveries_status_idx').on(t.status, t.nextAttemptAt),
  ],
);

export const authSessions = pgTable(
  'auth_sessions',
  {
    id: text('id').primaryKey(),
    userId: int('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: timestamps.createdAt,
    lastUsedAt: int('last_used_at').notNull(),
    expiresAt: int('expires_at').notNull(),
    maxExpiresAt: int('max_expires_at').notNull(),
    revokedAt: int('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

export const authRefreshTokens = pgTable(
  'auth_refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => authSessions.id, { onDelete: 'cascade' }),
    createdAt: timestamps.createdAt,
    rotatedAt: int('rotated_at'),
  },
  (t) => [index('auth_refresh_tokens_session_idx').on(t.sessionId)],
);

export const userSettings = pgTable('user_settings', {
  userId: int('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  settings: json('settings').$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamps.updatedAt,
});

export const conversations = pgTable(
  'conversations',
  {
    phoneNumber: text('phone_number').notNull(),
    chatKey: text('chat_key').notNull(),
    altJid: text('alt_jid'),
    type: text('type').$type<ChatType>().notNull(),
    name: text('name'),
    lastKey: int('last_key').notNull().default(0),
    unread: int('unread').notNull().default(0),
    readKey: int('read_key').notNull().default(0),
    archived: boolean('archived').notNull().default(false),
    pinned: boolean('pinned').notNull().default(false),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.phoneNumber, t.chatKey] }),
    index('conversations_phone_last_idx').on(t.phoneNumber, t.lastKey, t.chatKey),
  ],
);

export const conversationMessages = pgTable(
  'conversation_messages',
  {
    key: int('key').primaryKey(),
    outboxId: text('outbox_id'),
    phoneNumber: text('phone_number').notNull(),
    chatKey: text('chat_key').notNull(),
    chatJid: text('chat_jid'),
    waId: text('wa_id'),
    direction: text('direction').$type<StoredDirection>().notNull(),
    type: text('type').$type<StoredMessageType>().notNull(),
    senderJid: text('sender_jid'),
    senderLid: text('sender_lid'),
    senderName: text('sender_name'),
    text: text('text'),
    fileName: text('file_name'),
    media: json('media').$type<Record<string, unknown>>(),
    content: json('content').$type<Record<string, unknown>>(),
    status: text('status').$type<StoredStatus>().notNull(),
    error: text('error'),
    at: int('at').notNull(),
    sentAt: int('sent_at'),
    deliveredAt: int('delivered_at'),
    readAt: int('read_at'),
    editedAt: int('edited_at'),
    deletedAt: int('deleted_at'),
    source: text('source').$type<StoredSource>().notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('conversation_messages_wa_idx').on(t.phoneNumber, t.waId).where(sql`wa_id is not null`),
    uniqueIndex('conversation_messages_outbox_idx').on(t.outboxId).where(sql`outbox_id is not null`),
    index('conversation_messages_chat_idx').on(t.phoneNumber, t.chatKey, t.key),
  ],
);

export const conversationAnnotations = pgTable(
  'conversation_annotations',
  {
    phoneNumber: text('phone_number').notNull(),
    targetWaId: text('target_wa_id').notNull(),
    kind: text('kind').$type<'reaction' | 'vote' | 'edit' | 'revoke' | 'delete' | 'receipt'>().notNull(),
    actor: text('actor').notNull(),
    value: json('value').$type<Record<string, unknown>>().notNull(),
    at: int('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.phoneNumber, t.targetWaId, t.kind, t.actor] })],
);

export const conversationAliases = pgTable(
  'conversation_aliases',
  {
    phoneNumber: text('phone_number').notNull(),
    lid: text('lid').notNull(),
    jid: text('jid').notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [primaryKey({ columns: [t.phoneNumber, t.lid] })],
);

export const conversationSyncs = pgTable('conversation_syncs', {
  phoneNumber: text('phone_number').primaryKey(),
  state: text('state').$type<SyncState>().notNull(),
  since: int('since').notNull(),
  until: int('until').notNull(),
  chats: json('chats').$type<string[]>(),
  chatIndex: int('chat_index').notNull().default(0),
  offset: int('offset').notNull().default(0),
  messagesSeen: int('messages_seen').notNull().default(0),
  messagesAdded: int('messages_added').notNull().default(0),
  error: text('error'),
  requestedAt: int('requested_at').notNull(),
  startedAt: int('started_at'),
  finishedAt: int('finished_at'),
  lastDoneAt: int('last_done_at'),
  updatedAt: timestamps.updatedAt,
});

export * from './schema-chatwoot.js';
export * from './schema-compat.js';
