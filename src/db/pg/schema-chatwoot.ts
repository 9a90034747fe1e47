/** Postgres twin of src/db/schema-chatwoot.ts (column meanings are written there; types mapped as ./schema-common.ts says). */
import { sql } from 'drizzle-orm';
import { boolean, index, json, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { BindingOptions, JobDirection, JobKind, JobStatus } from '../../domain/chatwoot.js';
import type { SyncedState } from '../schema-chatwoot.js';
import { int, serialId, timestamps } from './schema-common.js';

export const chatwootBindings = pgTable(
  'chatwoot_bindings',
  {
    phoneNumber: text('phone_number').primaryKey(),
    hookId: text('hook_id').notNull().unique(),
    baseUrl: text('base_url').notNull(),
    accountId: int('account_id').notNull(),
    inboxId: int('inbox_id').notNull(),
    inboxName: text('inbox_name'),
    apiToken: text('api_token').notNull(),
    webhookSecret: text('webhook_secret'),
    webhookUrl: text('webhook_url').notNull(),
    options: json('options').$type<BindingOptions>().notNull(),
    ownerId: int('owner_id'),
    outwardOnly: boolean('outward_only').notNull(),
    importPending: boolean('import_pending').notNull().default(false),
    ...timestamps,
  },
  (t) => [uniqueIndex('chatwoot_bindings_inbox_idx').on(t.baseUrl, t.accountId, t.inboxId)],
);

export const chatwootContacts = pgTable(
  'chatwoot_contacts',
  {
    phoneNumber: text('phone_number').notNull(),
    chatKey: text('chat_key').notNull(),
    contactId: int('contact_id').notNull(),
    sourceId: text('source_id').notNull(),
    conversationId: int('conversation_id'),
    conversationStatus: text('conversation_status'),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.phoneNumber, t.chatKey] }), index('chatwoot_contacts_conversation_idx').on(t.phoneNumber, t.conversationId)],
);

export const chatwootPosts = pgTable(
  'chatwoot_posts',
  {
    phoneNumber: text('phone_number').notNull(),
    sourceId: text('source_id').notNull(),
    conversationId: int('conversation_id').notNull(),
    messageId: int('message_id'),
    afterId: int('after_id').notNull().default(0),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    primaryKey({ columns: [t.phoneNumber, t.sourceId] }),
    index('chatwoot_posts_message_idx').on(t.phoneNumber, t.messageId),
    index('chatwoot_posts_conversation_idx').on(t.phoneNumber, t.conversationId, t.messageId),
  ],
);

export const chatwootLinks = pgTable(
  'chatwoot_links',
  {
    phoneNumber: text('phone_number').notNull(),
    storeId: text('store_id').notNull(),
    waId: text('wa_id'),
    conversationId: int('conversation_id').notNull(),
    messageId: int('message_id').notNull(),
    origin: text('origin').$type<'whatsapp' | 'chatwoot'>().notNull(),
    synced: json('synced').$type<SyncedState>().notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.phoneNumber, t.storeId] }),
    uniqueIndex('chatwoot_links_wa_idx').on(t.phoneNumber, t.waId).where(sql`wa_id is not null`),
    index('chatwoot_links_message_idx').on(t.phoneNumber, t.messageId),
  ],
);

export const chatwootJobs = pgTable(
  'chatwoot_jobs',
  {
    id: serialId('id'),
    phoneNumber: text('phone_number').notNull(),
    direction: text('direction').$type<JobDirection>().notNull(),
    lane: text('lane').notNull(),
    kind: text('kind').$type<JobKind>().notNull(),
    ref: text('ref').notNull(),
    payload: json('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<JobStatus>().notNull().default('pending'),
    attempts: int('attempts').notNull().default(0),
    nextAttemptAt: int('next_attempt_at').notNull(),
    giveUpAt: int('give_up_at').notNull(),
    lastError: text('last_error'),
    doneAt: int('done_at'),
    ...timestamps,
  },
  (t) => [
    index('chatwoot_jobs_lane_idx').on(t.phoneNumber, t.lane, t.status, t.id),
    index('chatwoot_jobs_status_idx').on(t.status, t.nextAttemptAt),
    uniqueIndex('chatwoot_jobs_open_idx').on(t.phoneNumber, t.kind, t.ref).where(sql`status = 'pending'`),
  ],
);

export const chatwootReceipts = pgTable(
  'chatwoot_receipts',
  {
    key: text('key').primaryKey(),
    phoneNumber: text('phone_number').notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('chatwoot_receipts_created_idx').on(t.createdAt)],
);

export const chatwootCommands = pgTable(
  'chatwoot_commands',
  {
    id: serialId('id'),
    deliveryKey: text('delivery_key').notNull().unique(),
    verdict: text('verdict').$type<'accepted' | 'refused'>().notNull(),
    reason: text('reason'),
    command: text('command'),
    sender: text('sender'),
    accountId: int('account_id'),
    inboxId: int('inbox_id'),
    conversationId: int('conversation_id'),
    phoneNumber: text('phone_number'),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('chatwoot_commands_created_idx').on(t.createdAt)],
);
