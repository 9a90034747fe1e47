import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { Role } from '../domain/access.js';
import type { DesiredState, DeviceState, SessionState, StopReason } from '../domain/device-state.js';

export const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;
export const timestamps = {
  createdAt: integer('created_at').notNull().default(now),
  updatedAt: integer('updated_at').notNull().default(now),
};

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

export const devices = sqliteTable('devices', {
  phoneNumber: text('phone_number').primaryKey(),
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
});

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

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'expired';

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
/** Whose webhook a delivery is for: the number's own (`devices.webhook_*`) or the global one (`WEBHOOK_URL`). */
export type DeliveryScope = 'device' | 'global';

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

export type UserRow = typeof users.$inferSelect;
export type DeviceRow = typeof devices.$inferSelect;
export type DeviceEventRow = typeof deviceEvents.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AuthSessionRow = typeof authSessions.$inferSelect;
export type AuthRefreshTokenRow = typeof authRefreshTokens.$inferSelect;
