import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { BindingOptions, JobDirection, JobKind, JobStatus } from '../domain/chatwoot.js';
import { timestamps } from './schema-common.js';

/** The Chatwoot bridge (src/chatwoot/): one API-channel inbox per number, and what the bridge remembers of it. */
export const chatwootBindings = sqliteTable(
  'chatwoot_bindings',
  {
    /** The number's key (a phone, or a pending id until its phone pairs). */
    phoneNumber: text('phone_number').primaryKey(),
    /** The secret path segment of our webhook URL (`/webhooks/chatwoot/<hookId>`). */
    hookId: text('hook_id').notNull().unique(),
    baseUrl: text('base_url').notNull(),
    accountId: integer('account_id').notNull(),
    inboxId: integer('inbox_id').notNull(),
    inboxName: text('inbox_name'),
    /** Encrypted with SECRETS_ENCRYPTION_KEY (AES-256-GCM); never shown. */
    apiToken: text('api_token').notNull(),
    /** The inbox's webhook-signing secret, encrypted; null when Chatwoot signs nothing (older than 4.13). */
    webhookSecret: text('webhook_secret'),
    /** What the inbox was told to post to. */
    webhookUrl: text('webhook_url').notNull(),
    options: text('options', { mode: 'json' }).$type<BindingOptions>().notNull(),
    /** Who made the binding; calls for a binding of a non-administrator may only reach public addresses. */
    ownerId: integer('owner_id'),
    outwardOnly: integer('outward_only', { mode: 'boolean' }).notNull(),
    /** The history import (`importDays`) still waits for the number's first backfill (a number bound before it paired). */
    importPending: integer('import_pending', { mode: 'boolean' }).notNull().default(false),
    ...timestamps,
  },
  (t) => [uniqueIndex('chatwoot_bindings_inbox_idx').on(t.baseUrl, t.accountId, t.inboxId)],
);

/** Each chat of a bound number as a Chatwoot contact, its contact inbox and its current conversation. */
export const chatwootContacts = sqliteTable(
  'chatwoot_contacts',
  {
    phoneNumber: text('phone_number').notNull(),
    /** The conversation store's chat key (phone JID, `@lid`, or group JID). */
    chatKey: text('chat_key').notNull(),
    contactId: integer('contact_id').notNull(),
    /** Our contact-inbox source id (`wamp:<chat key>`). */
    sourceId: text('source_id').notNull(),
    /** Display id of the conversation messages go to; null until one is opened. */
    conversationId: integer('conversation_id'),
    /** Its status as Chatwoot last reported it (webhooks), for the reopen policy. */
    conversationStatus: text('conversation_status'),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.phoneNumber, t.chatKey] }), index('chatwoot_contacts_conversation_idx').on(t.phoneNumber, t.conversationId)],
);

/**
 * Every message the bridge creates in Chatwoot, by its source id, written before the call: a row without a
 * Chatwoot id is an attempt whose outcome is unknown, settled by looking for the source id in the conversation.
 */
export const chatwootPosts = sqliteTable(
  'chatwoot_posts',
  {
    phoneNumber: text('phone_number').notNull(),
    sourceId: text('source_id').notNull(),
    conversationId: integer('conversation_id').notNull(),
    messageId: integer('message_id'),
    /** The newest message id the bridge knew in that conversation before the attempt (where to look from). */
    afterId: integer('after_id').notNull().default(0),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    primaryKey({ columns: [t.phoneNumber, t.sourceId] }),
    index('chatwoot_posts_message_idx').on(t.phoneNumber, t.messageId),
    index('chatwoot_posts_conversation_idx').on(t.phoneNumber, t.conversationId, t.messageId),
  ],
);

/** What Chatwoot shows of a stored message: created, edited, deleted, reactions, status (so each change is posted once). */
export interface SyncedState {
  readonly editedAt?: number | null;
  readonly deleted?: boolean;
  readonly reactions?: readonly string[];
  readonly status?: string | null;
}

/** A stored message ↔ its Chatwoot message (either way: imported from WhatsApp, or an agent's reply sent out). */
export const chatwootLinks = sqliteTable(
  'chatwoot_links',
  {
    phoneNumber: text('phone_number').notNull(),
    /** The conversation store's message id (for an agent's reply: the outbox message id). */
    storeId: text('store_id').notNull(),
    waId: text('wa_id'),
    conversationId: integer('conversation_id').notNull(),
    messageId: integer('message_id').notNull(),
    origin: text('origin').$type<'whatsapp' | 'chatwoot'>().notNull(),
    synced: text('synced', { mode: 'json' }).$type<SyncedState>().notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.phoneNumber, t.storeId] }),
    uniqueIndex('chatwoot_links_wa_idx').on(t.phoneNumber, t.waId).where(sql`wa_id is not null`),
    index('chatwoot_links_message_idx').on(t.phoneNumber, t.messageId),
  ],
);

/**
 * The durable queue, both directions: a row per step before it is attempted. One lane per conversation keeps
 * order; a `pending` job with the same (number, kind, ref) absorbs a newer change of the same thing.
 */
export const chatwootJobs = sqliteTable(
  'chatwoot_jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    phoneNumber: text('phone_number').notNull(),
    direction: text('direction').$type<JobDirection>().notNull(),
    lane: text('lane').notNull(),
    kind: text('kind').$type<JobKind>().notNull(),
    ref: text('ref').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<JobStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    /** Past this time a failing job is dead-lettered (CHATWOOT_RETRY_PERIOD from its first attempt; reset by a replay). */
    giveUpAt: integer('give_up_at').notNull(),
    lastError: text('last_error'),
    doneAt: integer('done_at'),
    ...timestamps,
  },
  (t) => [
    index('chatwoot_jobs_lane_idx').on(t.phoneNumber, t.lane, t.status, t.id),
    index('chatwoot_jobs_status_idx').on(t.status, t.nextAttemptAt),
    uniqueIndex('chatwoot_jobs_open_idx').on(t.phoneNumber, t.kind, t.ref).where(sql`status = 'pending'`),
  ],
);

/** Webhook deliveries already taken (X-Chatwoot-Delivery, and event + message + content), so a copy does nothing. */
export const chatwootReceipts = sqliteTable(
  'chatwoot_receipts',
  {
    key: text('key').primaryKey(),
    phoneNumber: text('phone_number').notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('chatwoot_receipts_created_idx').on(t.createdAt)],
);

/** Every command message `POST /webhook/comando` received, run or refused, with why. */
export const chatwootCommands = sqliteTable(
  'chatwoot_commands',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The webhook delivery (or, without one, the Chatwoot message) it came in: a copy is not run again. */
    deliveryKey: text('delivery_key').notNull().unique(),
    verdict: text('verdict').$type<'accepted' | 'refused'>().notNull(),
    reason: text('reason'),
    command: text('command'),
    sender: text('sender'),
    accountId: integer('account_id'),
    inboxId: integer('inbox_id'),
    conversationId: integer('conversation_id'),
    phoneNumber: text('phone_number'),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('chatwoot_commands_created_idx').on(t.createdAt)],
);

export type ChatwootBindingRow = typeof chatwootBindings.$inferSelect;
export type ChatwootContactRow = typeof chatwootContacts.$inferSelect;
export type ChatwootPostRow = typeof chatwootPosts.$inferSelect;
export type ChatwootLinkRow = typeof chatwootLinks.$inferSelect;
export type ChatwootJobRow = typeof chatwootJobs.$inferSelect;
export type ChatwootCommandRow = typeof chatwootCommands.$inferSelect;
