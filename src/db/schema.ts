import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { Role } from '../domain/access.js';
import type { DesiredState, DeviceState, SessionState, StopReason } from '../domain/device-state.js';
import type { ChatType, MessageStatus, StoredDirection, StoredMessageType, StoredSource, StoredStatus } from '../domain/conversation-views.js';
import { timestamps } from './schema-common.js';

export type { ChatType, MessageStatus, StoredDirection, StoredMessageType, StoredSource, StoredStatus };

export { now, timestamps } from './schema-common.js';

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  /** scrypt hash in the form `scrypt$N$r$p$salt$hash`; never the password. */
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<Role>().notNull().default('user'),
  /** A disabled account cannot sign in; its tokens, keys and sockets stop working. */
  disabledAt: integer('disabled_at'),
  /** Moved on to revoke every token issued before (JWTs carry the generation they were issued in). */
  tokenGeneration: integer('token_generation').notNull().default(0),
  ...timestamps,
});

/**
 * One row per number, keyed by its phone (digits), or by a pending id (`pending-…`) until the phone of a number
 * created without one pairs (src/domain/number-key.ts); the rename keeps every row of the number (NUMBER_TABLES).
 */
export const devices = sqliteTable(
  'devices',
  {
    phoneNumber: text('phone_number').primaryKey(),
    /** The id the number was created with before its phone was known; kept after the phone is bound. Its child's device slot has this name. */
    pendingId: text('pending_id'),
    name: text('name').notNull(),
    ownerId: integer('owner_id').references(() => users.id),
    port: integer('port'),
    pid: integer('pid'),
    state: text('state').$type<DeviceState>().notNull().default('stopped'),
    desiredState: text('desired_state').$type<DesiredState>().notNull().default('stopped'),
    stopReason: text('stop_reason').$type<StopReason>(),
    sessionState: text('session_state').$type<SessionState>().notNull().default('unknown'),
    jid: text('jid'),
    restartCount: integer('restart_count').notNull().default(0),
    lastExitCode: integer('last_exit_code'),
    lastExitSignal: text('last_exit_signal'),
    lastError: text('last_error'),
    startedAt: integer('started_at'),
    /** JSON `{concurrency, interval, intervalCap}`; null = the global default. */
    queuePolicy: text('queue_policy', { mode: 'json' }).$type<{ concurrency: number; interval: number; intervalCap: number }>(),
    /** WhatsApp's reach-out timelock: nothing is sent from the number before this time (ms), even after a restart. */
    pausedUntil: integer('paused_until'),
    pauseReason: text('pause_reason'),
    webhookUrl: text('webhook_url'),
    webhookSecret: text('webhook_secret'),
    /** JSON array of event types; null = every event. */
    webhookEvents: text('webhook_events', { mode: 'json' }).$type<string[]>(),
    ...timestamps,
  },
  (t) => [uniqueIndex('devices_pending_id_idx').on(t.pendingId)],
);

/** Append-only history of every state change and supervisor decision, per number. */
export const deviceEvents = sqliteTable(
  'device_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    phoneNumber: text('phone_number').notNull(),
    type: text('type').notNull(),
    fromState: text('from_state'),
    toState: text('to_state'),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('device_events_phone_idx').on(t.phoneNumber, t.id)],
);


/** The durable outbox: a row exists before the API answers 202, so an accepted message is never lost. */
export const messages = sqliteTable(
  'messages',
  {
    id: text('id').primaryKey(),
    phoneNumber: text('phone_number').notNull(),
    recipient: text('recipient').notNull(),
    kind: text('kind').$type<'text' | 'image' | 'file'>().notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<MessageStatus>().notNull().default('queued'),
    idempotencyKey: text('idempotency_key'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at'),
    waMessageId: text('wa_message_id'),
    error: text('error'),
    expiresAt: integer('expires_at'),
    sentAt: integer('sent_at'),
    deliveredAt: integer('delivered_at'),
    readAt: integer('read_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('messages_idempotency_idx').on(t.phoneNumber, t.idempotencyKey),
    index('messages_phone_status_idx').on(t.phoneNumber, t.status, t.createdAt),
    index('messages_wa_id_idx').on(t.waMessageId),
  ],
);

/** Events reported by children (webhooks and /ws frames), numbered per phone for gap-free resume. */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    phoneNumber: text('phone_number').notNull(),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [uniqueIndex('events_phone_seq_idx').on(t.phoneNumber, t.seq)],
);

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';
/**
 * Whose webhook a delivery is for: the number's own (`devices.webhook_*`), the global one (`WEBHOOK_URL`), or the
 * compatibility layer's Flask webhook (`FLASK_URL`, src/compat/flask/).
 */
export type DeliveryScope = 'device' | 'global' | 'compat';

/** Outbound webhook deliveries, written before the first attempt (at-least-once, ordered per number+endpoint). */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    eventId: text('event_id').notNull(),
    phoneNumber: text('phone_number').notNull(),
    endpoint: text('endpoint').notNull(),
    /** Decides which secret signs each attempt (the current one, so a rotated secret applies to the backlog). */
    scope: text('scope').$type<DeliveryScope>().notNull().default('device'),
    /** The envelope's `type` (sent as `X-Event-Type` with every attempt), kept beside the body so no attempt parses it. */
    eventType: text('event_type').notNull().default(''),
    body: text('body').notNull(),
    status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    /** After this time a failed delivery is not retried again but dead-lettered (WEBHOOK_RETRY_PERIOD; reset by a replay). */
    giveUpAt: integer('give_up_at').notNull().default(0),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: integer('delivered_at'),
    ...timestamps,
  },
  (t) => [
    index('webhook_deliveries_queue_idx').on(t.endpoint, t.phoneNumber, t.status, t.id),
    index('webhook_deliveries_status_idx').on(t.status, t.nextAttemptAt),
  ],
);

/**
 * Dashboard sign-ins: one row per session (a browser), ended by sign-out, "sign out everywhere", expiry or a
 * reused refresh token. Access tokens name their session (`sid`), so ending it also ends them.
 */
export const authSessions = sqliteTable(
  'auth_sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: timestamps.createdAt,
    lastUsedAt: integer('last_used_at').notNull(),
    /** Idle expiry: moved forward by every refresh, never past `maxExpiresAt`. */
    expiresAt: integer('expires_at').notNull(),
    maxExpiresAt: integer('max_expires_at').notNull(),
    revokedAt: integer('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

/** Every refresh token a session was given (SHA-256 only): a rotated one coming back is a stolen copy. */
export const authRefreshTokens = sqliteTable(
  'auth_refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => authSessions.id, { onDelete: 'cascade' }),
    createdAt: timestamps.createdAt,
    /** When it was exchanged for its successor; null = the session's current token. */
    rotatedAt: integer('rotated_at'),
  },
  (t) => [index('auth_refresh_tokens_session_idx').on(t.sessionId)],
);

/** Per-user preferences of the dashboard (language, …), so they follow the user to any browser. */
export const userSettings = sqliteTable('user_settings', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  settings: text('settings', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamps.updatedAt,
});

/** The conversation store (src/conversations/): chats and their messages, as the gateway saw them. */

/** One row per chat of a number; a contact seen as a phone JID and as an `@lid` alias is one row (`alt_jid`). */
export const conversations = sqliteTable(
  'conversations',
  {
    phoneNumber: text('phone_number').notNull(),
    /** The chat's JID: the phone JID when known, else the `@lid`, or the group's `@g.us`. */
    chatKey: text('chat_key').notNull(),
    /** The `@lid` alias of a direct chat, once known. */
    altJid: text('alt_jid'),
    type: text('type').$type<ChatType>().notNull(),
    name: text('name'),
    /** Sort position: the key of the newest message (time-ordered, unique); 0 before any. */
    lastKey: integer('last_key').notNull().default(0),
    /** Incoming messages after `readKey` that arrived live (history counts as read). */
    unread: integer('unread').notNull().default(0),
    readKey: integer('read_key').notNull().default(0),
    archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
    pinned: integer('pinned', { mode: 'boolean' }).notNull().default(false),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.phoneNumber, t.chatKey] }),
    index('conversations_phone_last_idx').on(t.phoneNumber, t.lastKey, t.chatKey),
  ],
);

/**
 * One row per WhatsApp message of a number. `key` is time-ordered (the message's time in ms × 2048 + a counter),
 * so a chat page, the search index (FTS rowid) and retention all walk one integer.
 */
export const conversationMessages = sqliteTable(
  'conversation_messages',
  {
    key: integer('key').primaryKey(),
    /** A message sent through the API keeps the outbox message's id as its public id; others are named by their key. */
    outboxId: text('outbox_id'),
    phoneNumber: text('phone_number').notNull(),
    chatKey: text('chat_key').notNull(),
    /** The JID the message came under when it differs from chat_key (an `@lid` later merged): for `merge=false`. */
    chatJid: text('chat_jid'),
    waId: text('wa_id'),
    direction: text('direction').$type<StoredDirection>().notNull(),
    type: text('type').$type<StoredMessageType>().notNull(),
    senderJid: text('sender_jid'),
    senderLid: text('sender_lid'),
    senderName: text('sender_name'),
    /** Text, or a caption; indexed for search with file_name. */
    text: text('text'),
    fileName: text('file_name'),
    /** `{kind, mime, size, path?, url?}`: metadata and the child's reference, never the bytes. */
    media: text('media', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** Kind-specific parts: location, contact(s), poll, quoted message, forwarded, view once, edit history. */
    content: text('content', { mode: 'json' }).$type<Record<string, unknown>>(),
    status: text('status').$type<StoredStatus>().notNull(),
    error: text('error'),
    at: integer('at').notNull(),
    sentAt: integer('sent_at'),
    deliveredAt: integer('delivered_at'),
    readAt: integer('read_at'),
    editedAt: integer('edited_at'),
    deletedAt: integer('deleted_at'),
    source: text('source').$type<StoredSource>().notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('conversation_messages_wa_idx').on(t.phoneNumber, t.waId).where(sql`wa_id is not null`),
    uniqueIndex('conversation_messages_outbox_idx').on(t.outboxId).where(sql`outbox_id is not null`),
    index('conversation_messages_chat_idx').on(t.phoneNumber, t.chatKey, t.key),
  ],
);

/** What other WhatsApp messages did to a message (reactions, votes, edits, revokes, receipts), kept even when they arrive first. */
export const conversationAnnotations = sqliteTable(
  'conversation_annotations',
  {
    phoneNumber: text('phone_number').notNull(),
    targetWaId: text('target_wa_id').notNull(),
    /** `receipt`: a delivered / read receipt for a sent message the store does not know by that id yet. */
    kind: text('kind').$type<'reaction' | 'vote' | 'edit' | 'revoke' | 'delete' | 'receipt'>().notNull(),
    /** Who: the reacting or voting JID; '' for edits and deletions (the latest one counts). */
    actor: text('actor').notNull(),
    value: text('value', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.phoneNumber, t.targetWaId, t.kind, t.actor] })],
);

/** `@lid` aliases learnt from webhooks (`from_lid`, `chat_lid`): the phone JID each stands for. */
export const conversationAliases = sqliteTable(
  'conversation_aliases',
  {
    phoneNumber: text('phone_number').notNull(),
    lid: text('lid').notNull(),
    jid: text('jid').notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [primaryKey({ columns: [t.phoneNumber, t.lid] })],
);

export type SyncState = 'queued' | 'running' | 'done' | 'failed';

/** History backfill per number: where it is, so a restarted gateway carries on from there. */
export const conversationSyncs = sqliteTable('conversation_syncs', {
  phoneNumber: text('phone_number').primaryKey(),
  state: text('state').$type<SyncState>().notNull(),
  /** Messages older than this (ms) are not fetched (HISTORY_SYNC_DAYS, or the last sync's start). */
  since: integer('since').notNull(),
  /** The sync's own start: newer messages arrive live, so pages do not shift while it runs. */
  until: integer('until').notNull(),
  /** JIDs of the chats to page through, in order (filled by the first phase). */
  chats: text('chats', { mode: 'json' }).$type<string[]>(),
  chatIndex: integer('chat_index').notNull().default(0),
  offset: integer('offset').notNull().default(0),
  messagesSeen: integer('messages_seen').notNull().default(0),
  messagesAdded: integer('messages_added').notNull().default(0),
  error: text('error'),
  requestedAt: integer('requested_at').notNull(),
  startedAt: integer('started_at'),
  finishedAt: integer('finished_at'),
  /** Start of the newest sync that finished: the next automatic one only looks after it. */
  lastDoneAt: integer('last_done_at'),
  updatedAt: timestamps.updatedAt,
});

export type UserRow = typeof users.$inferSelect;
export type DeviceRow = typeof devices.$inferSelect;
export type DeviceEventRow = typeof deviceEvents.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AuthSessionRow = typeof authSessions.$inferSelect;
export type AuthRefreshTokenRow = typeof authRefreshTokens.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type StoredMessageColumns = typeof conversationMessages.$inferSelect;
/** A stored message with its public id: the outbox id, or `m` + its key in base 36. */
export type StoredMessageRow = StoredMessageColumns & { readonly id: string };
export type AnnotationRow = typeof conversationAnnotations.$inferSelect;
export type SyncRow = typeof conversationSyncs.$inferSelect;

export * from './schema-chatwoot.js';
export * from './schema-compat.js';
